import type { Agent } from 'undici';

/**
 * The one way an outbound client gets its undici connection pool: every
 * timeout explicit (a server that accepts and then says nothing must not hold
 * a request for ever), the pool bounded, idle connections closed before the
 * server closes them. Each client brings its own numbers (CBS feeds are large
 * and slow, a CRM answers small bodies quickly).
 */

export interface HttpTimeouts {
  /** Establishing the TCP/TLS connection. */
  connectMs: number;
  /** From the request sent to the response headers. */
  headersMs: number;
  /** The longest silence between two chunks of the body. */
  bodyMs: number;
}

export interface AgentOptions extends HttpTimeouts {
  /** Max parallel connections per origin. */
  connections: number;
  /** How long an idle connection is kept for the next request. */
  keepAliveMs: number;
}

/**
 * undici, imported on first use rather than with the service's modules: loading it is 0.2-0.4 s
 * of a start on this machine (docs/performance.md), and a start sends nothing before it listens,
 * nor anything at all without a CRM or a CBS refresh (see README.md for who calls this when).
 */
const importUndici = () => import('undici');
type Undici = Awaited<ReturnType<typeof importUndici>>;
let loading: Promise<Undici> | undefined;
export function undici(): Promise<Undici> {
  if (!loading) {
    loading = importUndici();
  }
  return loading;
}

/** A connection pool made on its first request (see `undici`). */
export interface OutboundAgent {
  /** The undici pool, made on the first call; after `close`, a closed one (requests on it fail as on any closed pool). */
  dispatcher(): Promise<Agent>;
  close(): Promise<void>;
}

export function createAgent(options: AgentOptions): OutboundAgent {
  let agent: Promise<Agent> | undefined;
  let closed = false;
  return {
    dispatcher() {
      agent ??= undici().then(async ({ Agent }) => {
        const made = new Agent({
          connect: { timeout: options.connectMs },
          headersTimeout: options.headersMs,
          bodyTimeout: options.bodyMs,
          connections: options.connections,
          keepAliveTimeout: options.keepAliveMs,
        });
        if (closed) await made.close();
        return made;
      });
      return agent;
    },
    async close() {
      closed = true;
      if (agent) await (await agent).close();
    },
  };
}
