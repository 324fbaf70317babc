// `npm start`: the service as compiled JavaScript (dist/), the same code the Dockerfile runs with
// `node dist/index.js`, without TypeScript being compiled on every start (tsx cost seconds and memory).
//
// `npm ci` builds dist/ (the `prepare` script runs this file with --build-only), so a fresh
// clone's first start only starts. When a file under src/ (or a tsconfig) is newer than the
// build, or there is no build, it builds first, once, and says so on stderr: a clone edited
// after installing never runs stale code. Plain JavaScript, because it runs before anything is
// compiled and in the production image, where neither tsx nor TypeScript is installed.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE_MARKER, bundleService } from './bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'index.js');
const buildOnly = process.argv.includes('--build-only');

/** Newest modification time of the files under a folder, in ms (0 when it has none). */
function newestUnder(dir) {
  let newest = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  if (existsSync(dir)) walk(dir);
  return newest;
}

/** Newest modification time of the build's inputs, in ms. */
function newestInput() {
  let newest = newestUnder(path.join(root, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) newest = Math.max(newest, statSync(path.join(root, f)).mtimeMs);
  return newest;
}

/** A dev dependency's file, or undefined in a production install (dev dependencies pruned). */
function devDependency(file) {
  try {
    return createRequire(import.meta.url).resolve(file);
  } catch {
    return undefined;
  }
}

/** Whether dist/index.js is the bundle (scripts/bundle.mjs writes its marker as the first line). */
function isBundle() {
  const fd = openSync(entry, 'r');
  try {
    const head = Buffer.alloc(BUNDLE_MARKER.length);
    return head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString() === BUNDLE_MARKER;
  } finally {
    closeSync(fd);
  }
}

/** dist/index.js and what it imports into one file (scripts/bundle.mjs); tsc's dist/index.js still runs when this fails. */
async function bundle(esbuild) {
  try {
    await bundleService(root, pathToFileURL(esbuild).href);
  } catch (err) {
    process.stderr.write(`verrijk: bundling dist/index.js failed; it runs unbundled (slower to start): ${err.message}\n`);
    if (buildOnly) process.exit(1);
  }
}

function build(tsc) {
  process.stderr.write('verrijk: compiling src/ to dist/ (once after a change; npm run build does the same)\n');
  // tsc reports on stdout; send it to stderr, so stdout stays the service's JSON log lines.
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    // tsc emits even when it finds errors: leave no entry behind that would look like a good build.
    rmSync(entry, { force: true });
    process.stderr.write('verrijk: the build failed (see above); nothing was started\n');
    process.exit(1);
  }
}

// Docker's first stage runs `npm ci` before copying src/: nothing to build yet.
const hasSources = existsSync(path.join(root, 'src'));
if (hasSources) {
  const stale = !existsSync(entry) || statSync(entry).mtimeMs < newestInput();
  const tsc = stale ? devDependency('typescript/bin/tsc') : undefined;
  if (stale && tsc) build(tsc);
  else if (stale && existsSync(entry)) process.stderr.write('verrijk: src/ is newer than dist/, but TypeScript is not installed to rebuild it\n');
  // After tsc, whoever ran it (this file, `npm run build`): dist/index.js becomes the bundle.
  const esbuild = existsSync(entry) && !isBundle() ? devDependency('esbuild') : undefined;
  if (esbuild) await bundle(esbuild);
}
// The migrated empty embedded database (src/db/pglite-base.ts): a first start on PGlite copies
// it instead of running initdb and every migration. Made once per PGlite version, beside the
// build, and again when a file under drizzle/ is newer than it (an older base still works: the
// start applies what it lacks). The name is computed here, so a start that has a current one
// spawns nothing; without one the first start runs initdb, as before, so a failure here is
// reported and not fatal.
function pgliteBaseDir() {
  try {
    const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'));
    return path.join(root, 'dist', `pglite-base-${version}`);
  } catch {
    return undefined;
  }
}
function baseIsCurrent(dir) {
  if (!existsSync(path.join(dir, 'PG_VERSION'))) return false;
  return newestUnder(path.join(root, 'drizzle')) <= statSync(dir).mtimeMs;
}
const base = pgliteBaseDir();
if (base && !baseIsCurrent(base) && existsSync(path.join(root, 'dist', 'db', 'pglite-base.js'))) {
  process.stderr.write('verrijk: making a migrated empty embedded database for fast first starts (once)\n');
  const code = `const m = await import('./dist/db/pglite-base.js'); await m.writePgliteBase(${JSON.stringify(base)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) process.stderr.write('verrijk: could not make it; a first start on PGlite runs initdb instead\n');
  // The packed tarball of the empty cluster that earlier builds made: replaced by the folder.
  for (const old of readdirSync(path.join(root, 'dist'))) if (/^pglite-base-.*\.tar\.gz$/.test(old)) rmSync(path.join(root, 'dist', old), { force: true });
}
if (!buildOnly) {
  if (!existsSync(entry)) {
    process.stderr.write('verrijk: dist/index.js is missing; run npm ci (or npm run build) first\n');
    process.exit(1);
  }
  await import(pathToFileURL(entry).href);
}
