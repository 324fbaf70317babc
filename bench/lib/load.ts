import autocannon from 'autocannon';

/**
 * Runs autocannon against one URL with a fresh request per send (built by
 * `makeRequest`), so every webhook is unique and freshly signed, like real
 * traffic. Latencies are autocannon's (ms).
 */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface LoadOptions {
  url: string;
  path: string;
  connections: number;
  durationSeconds: number;
  makeRequest: () => { body: string; headers: Record<string, string> };
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationSeconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: o.path,
        setupRequest: (req) => {
          const r = o.makeRequest();
          return { ...req, method: 'POST', path: o.path, body: r.body, headers: r.headers };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
