import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real service (`node --import tsx src/index.ts`) as a child process,
 * for tests that need a whole process: crash safety, several instances on one
 * database. The child gets only the environment passed here (plus PATH/HOME).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SpawnedService {
  url: string;
  port: number;
  pid: number;
  /** stdout and stderr lines so far (JSON log lines). */
  logs: string[];
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface SpawnOptions {
  readyTimeoutMs?: number;
  /**
   * Write the service's stdout and stderr to this file instead of piping them
   * here: a benchmark's load generator then spends no CPU on the log stream
   * (as with a container's log driver). `logs` reads the file when asked.
   */
  logFile?: string;
  /**
   * Run what `npm start` and the Dockerfile run, `scripts/start.mjs` over the compiled dist/
   * (built first if src/ is newer), instead of the sources through tsx: the bench measures this.
   */
  compiled?: boolean;
}

export async function spawnService(env: Record<string, string>, options: SpawnOptions = {}): Promise<SpawnedService> {
  const port = await freePort();
  const logFd = options.logFile ? openSync(options.logFile, 'w') : undefined;
  // Compiled, with the V8 flags `npm start` and the Dockerfile give (package.json), so the bench's load runs what ships.
  const entry = options.compiled ? ['--max-semi-space-size=4', '--wasm-tiering-budget=50000000', 'scripts/start.mjs'] : ['--import', 'tsx', 'src/index.ts'];
  const child: ChildProcess = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
    stdio: logFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
  });
  const piped: string[] = [];
  if (logFd === undefined) {
    const collect = (chunk: Buffer) => piped.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
  } else {
    closeSync(logFd); // the child holds its own copy
  }
  const readLogs = () => (options.logFile ? readFileSync(options.logFile, 'utf8').split('\n').filter(Boolean) : piped);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (gone) throw new Error(`service exited before it was ready:\n${readLogs().slice(-30).join('\n')}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`service not ready in time:\n${readLogs().slice(-30).join('\n')}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The service takes webhooks from here on, but loads its CBS data and builds the enricher after
  // listening (src/runtime.ts): wait until /readyz no longer says so, as a test expects a started service.
  while (await loadingCbsData(url)) {
    if (gone) throw new Error(`service exited while loading its CBS data:\n${readLogs().slice(-30).join('\n')}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`service still loading its CBS data or building the enricher:\n${readLogs().slice(-30).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The workers start right after the enricher is built; give them their moment.
  await new Promise((r) => setTimeout(r, 200));

  return {
    url,
    port,
    pid: child.pid!,
    get logs() {
      return readLogs();
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Whether /readyz says the service is still loading its CBS data or building the enricher (its `cbs` check warns while it does). */
async function loadingCbsData(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { checks?: Array<{ name: string; warning?: boolean }> };
    return body.checks?.some((c) => c.name === 'cbs' && c.warning === true) ?? false;
  } catch {
    return true;
  }
}
