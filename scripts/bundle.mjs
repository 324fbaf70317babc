// Bundles the compiled service (dist/index.js and everything it imports, ours and the packages')
// into one ESM file that replaces dist/index.js, and a few chunks beside it: node then resolves,
// reads and compiles a handful of files at start instead of ~500 (docs/performance.md, "Where a
// start's time goes", has the figures). scripts/start.mjs runs this
// after tsc, through esbuild (a dev dependency: the production image runs the bundle its build
// stage made). The other files tsc wrote under dist/ stay, for the scripts that import them
// (scripts/startup-phases.mjs, the migrated PGlite base's writer, the bench), and dist/index.js
// as tsc wrote it runs as well when there is no bundle: only slower to load.
//
// Plain JavaScript, like start.mjs: it runs before anything is compiled.
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/** The first line of a bundle: start.mjs reads it to know that dist/index.js is one. */
export const BUNDLE_MARKER = '// verrijk: bundle of dist/ (scripts/bundle.mjs)';

/**
 * Packages left to node: PGlite loads its wasm and data files beside its own module; pino starts
 * transports (pino-pretty) as worker threads from files of its own; undici is imported on the first
 * outbound call (src/outbound/agent.ts), so bundled it would only be one more megabyte to read.
 */
const EXTERNAL = ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pino', 'undici'];

/**
 * Our modules find their data files relative to themselves (`new URL('../../data/…', import.meta.url)`).
 * In the bundle every module's import.meta.url would be the bundle's, so each gets the URL of the
 * file tsc wrote for it, which is where it would run from unbundled.
 */
function ownImportMetaUrl(distDir, outfile) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      const ours = new RegExp(`^${distDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/.*\\.js$`);
      build.onLoad({ filter: ours }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const rel = `./${path.relative(path.dirname(outfile), args.path).split(path.sep).join('/')}`;
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** Bundles `<root>/dist/index.js` over itself with the esbuild module at `esbuildPath`. */
export async function bundleService(root, esbuildPath) {
  const esbuild = await import(esbuildPath);
  const distDir = path.join(root, 'dist');
  const outfile = path.join(distDir, 'index.js');
  // The previous bundle's chunks: their names change with their contents.
  for (const name of await readdir(distDir)) if (/^chunk-\w+\.js(\.map)?$/.test(name)) await rm(path.join(distDir, name));
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [outfile],
    outdir: distDir,
    // What index.js imports dynamically (src/index.ts: the app and the runtime, while the database
    // opens) goes into a few chunk files beside it: one 2 MB file left ~10 MiB more resident
    // memory at idle than the unbundled modules (idle RSS on PostgreSQL 152-158 MiB against
    // 142-145), the chunks none (142-147). Beside it, so that each module's own URL (below) holds.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // Class and function names as written: logs and error types name them (pino's `err.type`).
    keepNames: true,
    sourcemap: true,
    logLevel: 'error',
    // The CommonJS packages in the bundle (prom-client, …) call require() for node's own modules.
    banner: { js: `${BUNDLE_MARKER}\nimport { createRequire as __verrijkCreateRequire } from 'node:module';\nconst require = __verrijkCreateRequire(import.meta.url);` },
    plugins: [ownImportMetaUrl(distDir, outfile)],
  });
}
