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
  /** A wrong token from this client. */
  failed(client: string): void;
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
    clients: () => buckets.size,
  };
}

/** Who is guessing: the peer address (behind a proxy, the proxy's: everyone behind it shares one bucket). */
export function clientOf(c: Context): string {
  return incomingOf(c)?.socket.remoteAddress ?? 'local';
}

export function tooManyAttempts(retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError(429, 'too-many-attempts', 'Too many attempts', `Too many wrong admin tokens from this client; try again in ${seconds} s.`, undefined, {
    'Retry-After': String(seconds),
  });
}
