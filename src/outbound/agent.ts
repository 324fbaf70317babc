import { Agent } from 'undici';

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

export function createAgent(options: AgentOptions): Agent {
  return new Agent({
    connect: { timeout: options.connectMs },
    headersTimeout: options.headersMs,
    bodyTimeout: options.bodyMs,
    connections: options.connections,
    keepAliveTimeout: options.keepAliveMs,
  });
}
