import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/spawn-service.js';

/**
 * Every `sh` block of README.md and docs/*.md runs as written (issue 25.4), in order: the README
 * first, then the docs by name, in one fresh copy of the repository (what a clone holds; the
 * installed modules linked, dist/ built as `npm ci` builds it). Background servers the README
 * starts keep running for the docs after it (the generic webhook example feeds the admin one).
 *
 * What the test changes, and only this: the ports 3000, 3001 and 4010 in a block become free
 * ports (the machine is shared), the environment gets PORT for the first (`.env` says 3000; the
 * environment wins, as documented), and a line `npm ci` runs the build it would run
 * (`node scripts/start.mjs --build-only`): installing from the registry is not what is tested.
 *
 * Markers, visible to readers: a block whose first line is `# needs: …` is not run (credentials,
 * an account, Docker, the whole test suite) and is listed below; a block that says `until
 * Ctrl-C` is a server, started in the background and waited for on the port it listens on
 * (`PORT=…` or `--port …` in the block, else 3000). A server on a port an earlier one holds replaces it, as a reader stops
 * the first (Ctrl-C) and starts again.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const PORTS = ['3000', '3001', '4010'] as const;

interface Block {
  file: string;
  line: number;
  text: string;
  kind: 'run' | 'background' | 'needs';
}

/** `sh` fences, also indented ones inside a list item (their indentation removed). */
function shellBlocks(file: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^( *)```sh\n([\s\S]*?)^\1```/gm)) {
    const indent = m[1].length;
    const text = m[2]
      .split('\n')
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    const first = text.split('\n')[0];
    const kind = first.startsWith('# needs:') ? 'needs' : text.includes('until Ctrl-C') ? 'background' : 'run';
    blocks.push({ file, line: markdown.slice(0, m.index).split('\n').length, text, kind });
  }
  return blocks;
}

const blocks = DOCS.flatMap((file) => shellBlocks(file, readFileSync(path.join(ROOT, file), 'utf8')));

describe('the blocks are found (so the test below can fail)', () => {
  it('README has the two commands, a background server and runnable blocks; docs have some of each kind', () => {
    const readme = blocks.filter((b) => b.file === 'README.md');
    expect(readme.some((b) => b.text.includes('npm ci'))).toBe(true);
    expect(readme.filter((b) => b.kind === 'background').length).toBeGreaterThanOrEqual(3);
    expect(blocks.filter((b) => b.kind === 'needs').length).toBeGreaterThan(0);
    const indented = shellBlocks('x.md', '1. step\n\n   ```sh\n   echo hi\n   ```\n');
    expect(indented).toEqual([{ file: 'x.md', line: 3, text: 'echo hi\n', kind: 'run' }]);
  });
});

describe('every shell block in README.md and docs/ runs as written', () => {
  let dir = '';
  let repo = '';
  const ports = new Map<string, string>();
  type Server = { child: ChildProcess; output: () => string; ports: string[] };
  const servers: Server[] = [];
  let env: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'verrijk-docs-'));
    repo = path.join(dir, 'repo');
    const skip = ['./node_modules', './.git', './var', './data/pglite', './test-artifacts', './.env'].map((p) => `--exclude=${p}`).join(' ');
    execFileSync('bash', ['-c', `set -euo pipefail; mkdir "$2"; tar -C "$1" ${skip} -cf - . | tar -C "$2" -xf -`, 'copy', ROOT, repo]);
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
    for (const p of PORTS) ports.set(p, String(await freePort()));
    env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), PORT: ports.get('3000')!, LOG_LEVEL: 'warn' };
  }, 600_000);

  /** Ctrl-C for a server started here: its whole process group (npm does not pass signals on). */
  async function stop(s: Server): Promise<void> {
    // A child ended by a signal has signalCode set and exitCode null: both mean it is gone.
    if (s.child.exitCode !== null || s.child.signalCode !== null || s.child.pid === undefined) return;
    const exited = new Promise((resolve) => s.child.once('exit', resolve));
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-s.child.pid!, sig);
      } catch {
        // gone already
      }
    };
    signal('SIGINT');
    const force = setTimeout(() => signal('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
  }

  afterAll(async () => {
    try {
      await Promise.all(servers.map(stop));
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  const localise = (text: string) =>
    text.replace(/\b(3000|3001|4010)\b/g, (p) => ports.get(p)!).replace(/^npm ci\b.*$/m, 'node scripts/start.mjs --build-only');

  async function answers(port: string, server: Server): Promise<void> {
    for (;;) {
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        throw new Error(`server exited with ${server.child.exitCode ?? server.child.signalCode}:\n${server.output()}`);
      }
      try {
        await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  it.each(blocks.map((b) => [`${b.file}:${b.line}${b.kind === 'needs' ? ` (not run: ${b.text.split('\n')[0].slice(2)})` : ''}`, b] as const))(
    '%s',
    async (_name, block) => {
      if (block.kind === 'needs') return;
      const script = localise(block.text);
      if (block.kind === 'background') {
        // The port it listens on: PORT=… or --port …, else the service's 3000.
        const listens = [...block.text.matchAll(/(?:PORT=|--port )(\d+)/g)].map((m) => m[1]).filter((p) => ports.has(p));
        const own = listens.length ? listens : ['3000'];
        for (const earlier of servers.filter((s) => s.ports.some((p) => own.includes(p)))) await stop(earlier);
        let output = '';
        const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
        child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
        const server: Server = { child, output: () => output, ports: own };
        servers.push(server);
        for (const p of own) await answers(ports.get(p)!, server);
        return;
      }
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: repo, env, encoding: 'utf8', timeout: 300_000 });
      expect(r.status, `${block.file}:${block.line} exited ${r.status}\n--- block\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`).toBe(0);
    },
    600_000,
  );
});
