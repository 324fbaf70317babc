import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { incomingOf, requestHeader } from './incoming.js';
import { AppError, problems } from './problem.js';

/**
 * Reading a webhook body: at most `max` bytes per request, and all unverified
 * bodies together at most the process's budget (finding H1). Without the
 * budget, 1,500 anonymous connections each sending 1 MB took the service from
 * 207 MB to 1.75 GB: a signature can only be checked once the whole body is
 * in, so until then every byte is held for whoever sent it. With it, the bytes
 * held for requests nobody has verified yet are bounded, and a request that
 * would pass the bound is answered 503 (the CRMs retry) without buffering more.
 */

/** Bytes held for webhook bodies not yet verified, all requests together. */
export interface ByteBudget {
  /** Takes `n` bytes; false (nothing taken) when that would pass the limit. */
  take(n: number): boolean;
  give(n: number): void;
  inUse(): number;
  readonly limit: number;
}

export function createByteBudget(limit: number): ByteBudget {
  let used = 0;
  return {
    limit,
    take(n) {
      if (used + n > limit) return false;
      used += n;
      return true;
    },
    give(n) {
      used = Math.max(0, used - n);
    },
    inUse: () => used,
  };
}

export function overBudget(): AppError {
  return new AppError(503, 'busy', 'Busy', 'Too many webhook bodies are being received at once; retry shortly.', undefined, {
    'Retry-After': '5',
    Connection: 'close',
  });
}

/** A body read under a budget: the bytes, and `release()` to hand its share back once it is verified (or refused). */
export interface HeldBody {
  bytes: Uint8Array;
  release(): void;
}

/**
 * Reads the body once, refusing more than `max` bytes (declared or streamed,
 * 413) or more than the budget has left (503), without buffering the excess.
 * Served by @hono/node-server, it reads Node's request stream directly:
 * asking Hono for the Web body would build a Request, an AbortController and
 * a Web stream per webhook, a tenth of intake's CPU.
 */
export async function readWebhookBody(c: Context, max: number, budget: ByteBudget): Promise<HeldBody> {
  const declared = requestHeader(c, 'content-length');
  if (declared !== undefined && Number(declared) > max) throw problems.tooLarge(max);
  let held = 0;
  const hold = (n: number) => {
    if (!budget.take(n)) return false;
    held += n;
    return true;
  };
  const release = () => {
    budget.give(held);
    held = 0;
  };
  try {
    const incoming = incomingOf(c);
    const bytes = incoming ? await readIncoming(incoming, max, hold) : await readWebBody(c.req.raw, max, hold);
    return { bytes, release };
  } catch (err) {
    release();
    throw err;
  }
}

/** The streamed body, refused as soon as it passes `max` or `hold` refuses a chunk. */
function readIncoming(incoming: IncomingMessage, max: number, hold: (n: number) => boolean): Promise<Buffer> {
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (err?: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, total));
    };
    const stop = (err: AppError) => {
      // Drain the rest unread, so the answer can still be sent on this socket.
      incoming.resume();
      chunks.length = 0;
      settle(err);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) return stop(problems.tooLarge(max));
      if (!hold(chunk.length)) return stop(overBudget());
      chunks.push(chunk);
    };
    const onEnd = () => settle();
    const onError = (err: Error) => settle(err);
    const onClose = () => settle(new Error('the client closed the connection before the body ended'));
    incoming.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

async function readWebBody(req: Request, max: number, hold: (n: number) => boolean): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    const refusal = total > max ? problems.tooLarge(max) : hold(value.byteLength) ? undefined : overBudget();
    if (refusal) {
      await reader.cancel().catch(() => {});
      throw refusal;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
