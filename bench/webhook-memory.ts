import { readFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { parseArgs } from 'node:util';

/**
 * Memory held for anonymous webhook bodies (review 2026-12, finding H1): opens
 * N connections to a running service, sends each the headers and all but the
 * last byte of a 1 MB body, and reads the service's RSS from /proc before,
 * while they are held, 5 s later and after they are closed. Two kinds of
 * request: `unsigned` (no signature at all, the review's reproduction) and
 * `plausible` (a well-formed v3 signature with a fresh timestamp, which no
 * header check can refuse: only the budget of unverified bytes bounds those).
 *
 *   npx tsx bench/webhook-memory.ts --url http://127.0.0.1:3710 --pid <service pid> --n 300 --kind plausible
 *
 * Not a bench section: it needs a service started by hand (of any commit, to
 * compare), and it costs up to N MB of that service's memory. Linux only (/proc).
 */

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3710' },
    pid: { type: 'string' },
    n: { type: 'string', default: '300' },
    kind: { type: 'string', default: 'plausible' },
  },
});
if (!values.pid) throw new Error('--pid <the service process id> is required (its RSS is read from /proc)');
const pid = values.pid;
const n = Number(values.n);
const target = new URL(values.url);
const BODY = 1024 * 1024;

function rss(): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? Number.NaN);
  return `RSS ${Math.round(kb('VmRSS') / 1024)} MB (peak ${Math.round(kb('VmHWM') / 1024)} MB)`;
}

function headers(): string {
  const lines = ['POST /webhooks/hubspot HTTP/1.1', `Host: ${target.host}`, 'Content-Type: application/json', `Content-Length: ${BODY}`];
  if (values.kind === 'plausible') {
    lines.push(`X-HubSpot-Signature-v3: ${Buffer.alloc(32, 7).toString('base64')}`, `X-HubSpot-Request-Timestamp: ${Date.now()}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const answers = new Map<string, number>();
const body = Buffer.concat([Buffer.from('['), Buffer.alloc(BODY - 2, 0x20)]);

async function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) }, () => {
      socket.write(headers());
      socket.write(body);
      resolve(socket);
    });
    socket.once('data', (d) => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1] ?? '?';
      answers.set(status, (answers.get(status) ?? 0) + 1);
    });
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

console.log(`${n} × ${values.kind} 1 MB bodies (one byte short) to ${target.origin}/webhooks/hubspot`);
console.log(`before:          ${rss()}`);
const sockets: Socket[] = [];
const started = Date.now();
for (let i = 0; i < n; i++) sockets.push(await open().catch(() => connect({ port: 1 })));
console.log(`all sent (${((Date.now() - started) / 1000).toFixed(1)} s): ${rss()}`);
await sleep(5000);
console.log(`5 s later:       ${rss()}`);
console.log(`answered while held: ${JSON.stringify(Object.fromEntries(answers))} (the rest still waiting)`);
for (const s of sockets) s.destroy();
await sleep(3000);
console.log(`after closing:   ${rss()}`);
