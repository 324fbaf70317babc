/**
 * The HTTP ceiling: a bare Hono app on @hono/node-server that reads the body and
 * answers 204, nothing else. Run as its own process, like the service, so both
 * get the same CPU share against the same load generator. Prints `{"port":N}`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('*', async (c) => {
  await c.req.text();
  return c.body(null, 204);
});

serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ port: info.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
