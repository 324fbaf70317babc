import { Worker } from 'node:worker_threads';

/**
 * A relay on a thread of its own in front of a fake CRM: it stamps each HTTP request with the moment its
 * head came off the wire (`x-wire-arrived-at`, epoch ms) and passes every byte on unchanged otherwise.
 *
 * Why: a fake in the test's thread stamps a request when that thread's event loop gets to it. PGlite runs
 * its WebAssembly on the same thread and holds the loop; on a loaded two-core machine for half a second and
 * more, and every request that reached the socket meanwhile was then stamped in one burst: 36 "arrivals" in
 * one 500 ms window of 20 (issue 28, the request-deadline test), although the client had sent them over
 * seconds. A real CRM counts what the wire delivers. The relay's loop is not held by the test's database,
 * so its stamps are the wire's, to within the OS's scheduling.
 *
 * It understands just enough HTTP/1.1 to find where each request starts: a head ends at a blank line and a
 * body is `content-length` bytes. A chunked request body (no client of ours sends one) ends the stamping on
 * that connection; its bytes still pass, and the fake falls back to its own clock.
 */
export interface WireClock {
  port: number;
  close(): Promise<void>;
}

/** The relay, as plain JavaScript (an `eval` worker takes no TypeScript). */
const RELAY = String.raw`
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const sockets = new Set();
const track = (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); };
const server = net.createServer((client) => {
  const upstream = net.connect(workerData.target, '127.0.0.1');
  track(client); track(upstream);
  client.setNoDelay(true); upstream.setNoDelay(true);
  let head = Buffer.alloc(0);
  let bodyLeft = 0;
  let raw = false;
  client.on('data', (chunk) => {
    if (raw) return upstream.write(chunk);
    let data = chunk;
    while (data.length) {
      if (bodyLeft > 0) {
        const n = Math.min(bodyLeft, data.length);
        upstream.write(data.subarray(0, n));
        bodyLeft -= n;
        data = data.subarray(n);
        continue;
      }
      head = Buffer.concat([head, data]);
      data = Buffer.alloc(0);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) break;
      const text = head.subarray(0, end).toString('latin1');
      data = head.subarray(end + 4);
      head = Buffer.alloc(0);
      const line = text.indexOf('\r\n');
      const stamped = (line < 0 ? text : text.slice(0, line)) + '\r\nx-wire-arrived-at: ' + Date.now() + (line < 0 ? '' : text.slice(line)) + '\r\n\r\n';
      upstream.write(Buffer.from(stamped, 'latin1'));
      if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(text)) {
        raw = true;
        if (data.length) upstream.write(data);
        return;
      }
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      bodyLeft = length ? Number(length[1]) : 0;
    }
  });
  upstream.on('data', (c) => client.write(c));
  client.on('end', () => upstream.end());
  upstream.on('end', () => client.end());
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
server.on('error', (err) => parentPort.postMessage({ error: err.message }));
parentPort.on('message', () => {
  for (const s of sockets) s.destroy();
  server.close(() => parentPort.postMessage({ closed: true }));
});
`;

/** Starts the relay on `port` (0: any) in front of the server on 127.0.0.1:`target`. */
export async function startWireClock(target: number, port = 0): Promise<WireClock> {
  const worker = new Worker(RELAY, { eval: true, workerData: { target, port } });
  const listening = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(`wire clock: ${m.error}`))));
  });
  return {
    port: listening,
    async close() {
      const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('close');
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000))]);
      await worker.terminate();
    },
  };
}

/** The moment the relay saw this request arrive, or undefined when it came another way. */
export function wireArrival(headers: Record<string, string | string[] | undefined>): number | undefined {
  const v = Number(headers['x-wire-arrived-at']);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}
