import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A CBS endpoint that misbehaves on purpose (review 2026-12, M1 and L8): it
 * answers every request with the behaviour it is set to, on both APIs' URL
 * shapes (it looks at nothing but the path).
 * - `huge`: a 200 JSON envelope of `bytes` bytes, chunked (no Content-Length);
 * - `hugeDeclared`: the same with a Content-Length;
 * - `hugeError`: a 500 page of `bytes` bytes;
 * - `loop`: one row and a nextLink (both v3 and v4 spellings) pointing at the request itself;
 * - `endless`: one row and a nextLink to a new page every time (`?page=n+1`);
 * - `otherScheme`: one row and a nextLink to the same host and port over https;
 * - `drip`: headers, then one byte every `dripMs` (never finishing by itself).
 */
export type HostileMode = 'huge' | 'hugeDeclared' | 'hugeError' | 'loop' | 'endless' | 'otherScheme' | 'drip';

export interface HostileCbs {
  url: string;
  /** Paths and queries as received. */
  requests: string[];
  /** Bytes the server managed to write before the client hung up, over every answer. */
  bytesSent(): number;
  close(): Promise<void>;
}

export async function startHostileCbs(mode: HostileMode, options: { bytes?: number; dripMs?: number } = {}): Promise<HostileCbs> {
  const requests: string[] = [];
  const open = new Set<ServerResponse>();
  let sent = 0;
  const bytes = options.bytes ?? 8 * 1024 * 1024;
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    open.add(res);
    res.on('close', () => open.delete(res));
    const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}${req.url}`;
    const page = (next: string) => JSON.stringify({ 'odata.nextLink': next, '@odata.nextLink': next, value: [{ Identifier: 'X', Title: 'x', Key: 'X' }] });
    switch (mode) {
      case 'huge':
      case 'hugeDeclared':
      case 'hugeError':
        return streamHuge(res, mode, bytes, (n) => {
          sent += n;
        });
      case 'loop':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(page(self));
      case 'endless': {
        const n = Number(new URL(self).searchParams.get('page') ?? '1');
        const next = new URL(self);
        next.searchParams.set('page', String(n + 1));
        return res.writeHead(200, { 'content-type': 'application/json' }).end(page(next.href));
      }
      case 'otherScheme':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(page(self.replace('http://', 'https://').replace(/\?.*$/, '?page=2')));
      case 'drip': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), options.dripMs ?? 200);
        res.write('{');
        res.on('close', () => clearInterval(timer));
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    bytesSent: () => sent,
    async close() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes `bytes` of a JSON envelope in 64 kB chunks, honouring back-pressure, until done or the client leaves. */
function streamHuge(res: ServerResponse, mode: HostileMode, bytes: number, count: (n: number) => void): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const head = Buffer.from('{"value":[');
  const tail = Buffer.from(']}');
  res.writeHead(mode === 'hugeError' ? 500 : 200, {
    'content-type': 'application/json',
    ...(mode === 'hugeDeclared' ? { 'content-length': String(bytes) } : {}),
  });
  let left = bytes - head.length - tail.length;
  res.write(head);
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      count(piece.length);
      if (!res.write(piece)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end(tail);
  };
  res.on('error', () => undefined);
  pump();
}
