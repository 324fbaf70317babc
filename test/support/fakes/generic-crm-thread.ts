import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Failure, LoggedRequest } from './crm-fake-base.js';
import type { FakeGenericOptions } from './generic-crm-server.js';

/**
 * The fake generic CRM on a worker thread of its own, for tests that judge *when* requests arrive.
 *
 * In the test's own thread the fake stamps a request when that thread's event loop gets to it. A
 * PGlite query runs its WebAssembly on the same thread and holds the loop; on a loaded two-core
 * machine for half a second and more, and every request that reached the socket meanwhile is then
 * stamped in one burst: 36 "arrivals" in one 500 ms window of 20 (issue 28), although the client
 * sent them over seconds. A real CRM stamps what the wire delivers. On its own thread the fake's loop
 * is not held by the test's database, so its arrival times are the wire's, to within the OS's
 * scheduling.
 */
export interface FakeGenericCrmThread {
  url: string;
  seed(id: string, lead: Record<string, unknown>): Promise<void>;
  fail(failure: Failure): Promise<void>;
  /** The requests the fake has seen so far, as its thread logged them. */
  requests(): Promise<LoggedRequest[]>;
  close(): Promise<void>;
}

export async function startFakeGenericCrmThread(opts: FakeGenericOptions = {}): Promise<FakeGenericCrmThread> {
  // A worker thread does not take `--import tsx`: it registers tsx itself, then loads the TypeScript side.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  const main = new URL('./generic-crm-thread-main.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(main)}); });`, {
    eval: true,
    workerData: opts,
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (msg: { ready?: string; id?: number; result?: unknown; error?: string }) => {
      if (msg.ready) return resolve(msg.ready);
      const p = pending.get(msg.id ?? -1);
      if (!p) return;
      pending.delete(msg.id ?? -1);
      if (msg.error) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  const call = <T>(name: string, ...args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, call: name, args });
    });
  return {
    url,
    seed: (id, lead) => call('seed', id, lead),
    fail: (failure) => call('fail', failure),
    requests: () => call('requests'),
    close: async () => {
      await call('close');
      await worker.terminate();
    },
  };
}
