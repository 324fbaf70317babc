import { sleep } from './proc.js';

/**
 * Delivers one webhook as a CRM does: until the service acknowledges it (2xx).
 * HubSpot and Pipedrive retry a delivery that failed in transport (a refused or
 * reset connection, a timeout) or was answered 5xx; a 4xx is a refusal, and a
 * refusal is a failure of the run. The service's dedupe key makes a repeated
 * delivery harmless, and the runs check that (one job per lead).
 *
 * Retrying a transport failure matters on a loaded machine: a keep-alive socket
 * the server closes (its `keepAliveTimeout`) just as the client reuses it is
 * reset, with nothing received; a CRM's sender sees the same and retries.
 */
export interface DeliveryOptions {
  /** How many failed tries one delivery may take before the run fails (default: no limit, for runs that kill the service). */
  maxFailures?: number;
  /** Told each failed try, with why; the run counts and logs them. */
  onFailure?: (why: string) => void;
  /** Pause between tries (default 100 ms). */
  pauseMs?: number;
}

/** `to` is the URL, or a function giving it per try (a run that restarts its service gets a new port). */
export async function deliverWebhook(to: string | (() => string), request: () => RequestInit, options: DeliveryOptions = {}): Promise<void> {
  let failures = 0;
  for (;;) {
    const url = typeof to === 'string' ? to : to();
    let why: string;
    try {
      const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000), ...request() });
      const text = await res.text();
      if (res.ok) return;
      if (res.status < 500) throw new WebhookRefused(`webhook refused by ${url}: ${res.status} ${text}`);
      why = `${res.status} ${text.slice(0, 200)}`;
    } catch (err) {
      if (err instanceof WebhookRefused) throw err;
      const cause = (err as Error).cause as Error | undefined;
      why = `${(err as Error).message}${cause ? ` (${cause.message})` : ''}`;
    }
    failures++;
    options.onFailure?.(why);
    if (failures >= (options.maxFailures ?? Number.POSITIVE_INFINITY)) throw new Error(`a delivery to ${url} failed ${failures} times; the last: ${why}`);
    await sleep(options.pauseMs ?? 100);
  }
}

class WebhookRefused extends Error {}
