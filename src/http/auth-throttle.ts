import type { Context } from 'hono';
import { LRUCache } from 'lru-cache';
import { incomingOf } from './incoming.js';
import { AppError } from './problem.js';

/**
 * Wrong admin tokens, counted per client: a token bucket of `burst` failures
 * that refills at `refillPerMinute`. An empty bucket answers 429 with
 * Retry-After to everything that client sends with a credential, the right
 * token included (otherwise the guess that hits would still get through).
 * Only failures cost; an admin who types the token right is never slowed.
 *
 * Per process and in memory: N instances allow N times the rate, which is
 * still a few guesses a second against a token of at least 16 characters.
 * Clients are remembered in an LRU of `maxClients`, so a flood of addresses
 * costs bounded memory (an evicted client starts with a full bucket).
 */

export interface AuthThrottle {
  /** 0 when the client may try; otherwise ms until it may. */
  retryAfterMs(client: string): number;
  /** A wrong token from this client (or a guess reserved before it is evaluated). */
  failed(client: string): void;
  /** Gives back a reserved guess that proved right, so signing in right costs nothing. */
  refund(client: string): void;
  /** Clients remembered (for tests). */
  clients(): number;
}

export interface AuthThrottleOptions {
  burst?: number;
  refillPerMinute?: number;
  maxClients?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createAuthThrottle(options: AuthThrottleOptions = {}): AuthThrottle {
  const burst = options.burst ?? 10;
  const perMs = (options.refillPerMinute ?? 10) / 60_000;
  const now = options.now ?? Date.now;
  const buckets = new LRUCache<string, Bucket>({ max: options.maxClients ?? 10_000 });

  const current = (client: string): Bucket => {
    const b = buckets.get(client);
    const t = now();
    if (!b) return { tokens: burst, at: t };
    return { tokens: Math.min(burst, b.tokens + (t - b.at) * perMs), at: t };
  };
  return {
    retryAfterMs(client) {
      const b = current(client);
      return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / perMs);
    },
    failed(client) {
      const b = current(client);
      buckets.set(client, { tokens: Math.max(0, b.tokens - 1), at: b.at });
    },
    refund(client) {
      const b = buckets.get(client);
      if (b) buckets.set(client, { tokens: Math.min(burst, b.tokens + 1), at: b.at });
    },
    clients: () => buckets.size,
  };
}

/**
 * Who is guessing: the peer address. Behind a proxy that is the proxy's, so
 * everyone behind it would share one bucket and anyone could lock the admin
 * out (finding L2); with TRUST_PROXY the last X-Forwarded-For entry, the one
 * the proxy itself added, is the client. (Earlier entries are the client's own
 * claims and could be anything.)
 */
export function clientOf(c: Context, trustProxy = false): string {
  const peer = incomingOf(c)?.socket.remoteAddress ?? 'local';
  if (!trustProxy) return peer;
  const forwarded = c.req.header('x-forwarded-for');
  const last = forwarded?.split(',').pop()?.trim();
  return last && last.length <= 64 ? last : peer;
}

export function tooManyAttempts(retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError(429, 'too-many-attempts', 'Too many attempts', `Too many wrong admin tokens from this client; try again in ${seconds} s.`, undefined, {
    'Retry-After': String(seconds),
  });
}
