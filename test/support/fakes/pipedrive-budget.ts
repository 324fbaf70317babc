import type { Reply } from './crm-fake-base.js';

/**
 * Pipedrive's token-based rate limits as its docs describe them
 * (pipedrive.readme.io/docs/core-api-concepts-rate-limiting, token-based
 * version; research §2.4):
 * - a daily budget of tokens per company, shared by every token of the
 *   company; each request costs tokens by kind (the page's examples: get one 2,
 *   list 20, update 10, delete 6, search 40); once spent, every request gets a
 *   429 "until the budget resets at the start of the next day" (server time);
 * - that 429 looks exactly like a burst 429: same body, the burst headers as
 *   usual, no header with the budget or its reset (none is documented; see
 *   pipedrive/client-nodejs#725 asking for one);
 * - `x-daily-requests-left`: the older POST/PUT fair-usage counter, on POST and
 *   PUT answers only (changelog "Daily API limit for POST/PUT endpoints");
 * - clients that "keep up the high volume of traffic despite getting the 429"
 *   get 403 pages from Cloudflare. How many 429s and how long the block lasts
 *   is not documented: `escalateAfter` 429s within `escalateWindowMs` block
 *   the token for `blockMs` (defaults 20 in 10 s, 60 s).
 */

export interface BudgetOptions {
  /** Tokens per day for the company; undefined = no budget. */
  dailyBudget?: number;
  /** The fake's day, aligned to the epoch like midnights (default 24 h); short in tests so the reset comes mid-run. */
  dayMs?: number;
  escalateAfter?: number;
  escalateWindowMs?: number;
  blockMs?: number;
}

/** Token cost of one request (the docs' example costs). */
export function tokenCost(method: string, path: string): number {
  if (method === 'DELETE') return 6;
  if (method !== 'GET') return 10;
  if (/\/search$/.test(path)) return 40;
  return /\/\d+$/.test(path) ? 2 : 20;
}

export interface Budget {
  /** Charges the request; false when the budget is spent (the request gets a 429). */
  charge(method: string, path: string): boolean;
  /** Notes a 429 answered; true once the escalation to 403 is on. */
  noteTooMany(): void;
  blocked(): boolean;
  /** `x-daily-requests-left` for POST/PUT answers. */
  postPutLeft(method: string): Record<string, string>;
  used(): number;
  /** When the current day's budget resets (epoch ms). */
  resetsAt(): number;
  /** Sets the day's usage back to 0 now (a test's midnight). */
  reset(): void;
}

const POST_PUT_PER_DAY = 10_000;

export function createBudget(opts: BudgetOptions): Budget {
  const dayMs = opts.dayMs ?? 86_400_000;
  const escalateAfter = opts.escalateAfter ?? 20;
  const escalateWindowMs = opts.escalateWindowMs ?? 10_000;
  const blockMs = opts.blockMs ?? 60_000;
  let day = Math.floor(Date.now() / dayMs);
  let spent = 0;
  let postPut = 0;
  const tooMany: number[] = [];
  let blockedUntil = 0;

  const roll = () => {
    const today = Math.floor(Date.now() / dayMs);
    if (today !== day) {
      day = today;
      spent = 0;
      postPut = 0;
    }
  };
  return {
    charge(method, path) {
      roll();
      if (method === 'POST' || method === 'PUT') postPut++;
      if (opts.dailyBudget === undefined) return true;
      const cost = tokenCost(method, path);
      if (spent + cost > opts.dailyBudget) return false;
      spent += cost;
      return true;
    },
    noteTooMany() {
      const now = Date.now();
      tooMany.push(now);
      while (tooMany.length && tooMany[0] <= now - escalateWindowMs) tooMany.shift();
      if (tooMany.length >= escalateAfter) {
        blockedUntil = now + blockMs;
        tooMany.length = 0;
      }
    },
    blocked: () => Date.now() < blockedUntil,
    postPutLeft: (method): Record<string, string> =>
      method === 'POST' || method === 'PUT' ? { 'x-daily-requests-left': String(Math.max(0, POST_PUT_PER_DAY - postPut)) } : {},
    used: () => spent,
    resetsAt: () => (day + 1) * dayMs,
    reset() {
      spent = 0;
      postPut = 0;
    },
  };
}

/** The 429 Pipedrive answers for a full burst window and for a spent budget alike. */
export const overLimit: Reply = { status: 429, body: { success: false, error: 'Request over limit', errorCode: 429 } };

/** Cloudflare's block page: HTML, not Pipedrive's JSON. */
export function cloudflareBlock(): Reply & { raw: string } {
  return {
    status: 403,
    headers: { 'content-type': 'text/html; charset=UTF-8', server: 'cloudflare', 'cf-ray': '8c0ffee0d00d-AMS' },
    raw: '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1><p>You are unable to access pipedrive.com</p></body></html>',
  };
}
