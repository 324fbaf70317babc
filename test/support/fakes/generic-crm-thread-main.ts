/**
 * The worker-thread side of generic-crm-thread.ts: runs the fake generic CRM on this thread's own
 * event loop and answers the test thread's calls.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type FakeGenericOptions, startFakeGenericCrm } from './generic-crm-server.js';

const port = parentPort;
if (!port) throw new Error('generic-crm-thread-main runs in a worker thread');
const fake = await startFakeGenericCrm(workerData as FakeGenericOptions);

port.on('message', async (msg: { id: number; call: string; args: unknown[] }) => {
  const reply = (result: unknown) => port.postMessage({ id: msg.id, result });
  switch (msg.call) {
    case 'seed':
      return reply(fake.seed(...(msg.args as Parameters<typeof fake.seed>)));
    case 'fail':
      return reply(fake.fail(...(msg.args as Parameters<typeof fake.fail>)));
    case 'requests':
      return reply(fake.requests);
    case 'close':
      await fake.close();
      reply(undefined);
      return port.close();
    default:
      return port.postMessage({ id: msg.id, error: `unknown call ${msg.call}` });
  }
});
port.postMessage({ ready: fake.url });
