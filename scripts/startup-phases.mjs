// `node scripts/startup-phases.mjs` (after `npm run build`): the steps of a start, one after the
// other in this one process, each with its wall and CPU time, so that docs/performance.md can say
// where a start's time goes. The database is the service's: PGLITE_DIR (or ./var/pglite) or
// DATABASE_URL. Run it twice on an empty PGLITE_DIR for a first start and a restart. CPU is the
// whole process's (PGlite's wasm compiler and the garbage collector run on other threads), so it
// can exceed the wall time. Plain JavaScript over the files tsc wrote under dist/: `npm start` runs
// their bundle (scripts/bundle.mjs), so loading the modules here is the unbundled figure. Give
// node the flags `npm start` gives (package.json) to time the same PGlite open.
import { performance } from 'node:perf_hooks';

const rows = [];
let lastWall = performance.now();
let lastCpu = process.cpuUsage();
const boot = process.cpuUsage();
rows.push({ step: 'node itself, to the first line of this script', wallMs: Math.round(lastWall), cpuMs: Math.round((boot.user + boot.system) / 1000) });
function mark(step) {
  const cpu = process.cpuUsage(lastCpu);
  const now = performance.now();
  rows.push({ step, wallMs: Math.round(now - lastWall), cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
  lastWall = performance.now();
  lastCpu = process.cpuUsage();
}

const { loadConfig } = await import('../dist/config.js');
const { buildRuntime } = await import('../dist/runtime.js');
const { createApp } = await import('../dist/app.js');
const { createLogger } = await import('../dist/logger.js');
const { openDatabase } = await import('../dist/db/client.js');
const { runMigrations } = await import('../dist/db/migrate.js');
mark('loading the service modules (dist/)');
const config = loadConfig(process.env);
const logger = createLogger({ level: 'warn', secrets: [] });
mark('config');
const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, preparedStatements: config.databasePreparedStatements });
mark(`opening the database (${database.label})`);
await runMigrations(database);
mark('migrations');
const runtime = await buildRuntime(config, logger, { database });
createApp(runtime.deps);
mark('building the runtime and the HTTP app');
await new Promise((resolve) => setImmediate(resolve));
mark('the first turn of the event loop');
await runtime.loadData();
mark('CBS data: the bundled snapshot into an empty database (nothing on a restart)');
await runtime.deps.cbs.getTables();
mark('CBS tables read from the database');
await runtime.deps.enrichment.enricher();
mark('building the enricher');
await runtime.stop();
await database.close();
console.table(rows);
