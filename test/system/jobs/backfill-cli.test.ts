import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { spawnService } from '../../support/spawn-service.js';
import { serviceEnv, useServiceDatabase } from '../../support/service-kit.js';

/**
 * `npm run backfill` against a live service (issue 27): the CLI starts a backfill through the
 * running service's admin API and follows it with its progress bar until done; the service lists
 * the fake HubSpot's 120 existing companies and writes their cards. Without a TTY the CLI prints
 * one progress line per change, so the output shows the bar fill up to 120/120.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TOKEN = 'pat-eu1-backfill-cli-token-0123456789';
const ADMIN_TOKEN = 'backfill-cli-admin-token-0123456789';
const run = promisify(execFile);

describe.skipIf(!TEST_POSTGRES_URL)('npm run backfill against a live service (PostgreSQL)', () => {
  const pg = useServiceDatabase();

  it('starts a backfill, follows it with the progress bar to done, and the cards are written', async () => {
    const hubspot: FakeHubspot = await startFakeHubspot({ token: TOKEN, portalId: 47_110_815 });
    try {
      const ids = Array.from({ length: 120 }, (_, i) => String(810_000 + i));
      for (const id of ids) hubspot.seed('company', id, { name: `Bestaand ${id} B.V.`, sbi_code: '6201', numberofemployees: '12' }, new Date('2025-01-01T00:00:00Z'));
      const service = await spawnService(
        serviceEnv(pg.url, { ADMIN_TOKEN, HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspot.url, CRM_CATCHUP_CRON: 'off', JOB_POLL_MS: '100' }),
        { readyTimeoutMs: 60_000 },
      );
      pg.services.push(service);

      const cli = await run(process.execPath, ['--import', 'tsx', 'scripts/backfill.ts', '--source', 'hubspot', '--object-type', 'companies'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PUBLIC_URL: service.url, ADMIN_TOKEN, LOG_LEVEL: 'silent' },
        timeout: 240_000,
      }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
        throw new Error(`the CLI failed (exit ${err.code}):\n${err.stdout}\n${err.stderr}\n${service.logs.slice(-20).join('\n')}`);
      });
      const output = `${cli.stdout}\n${cli.stderr}`;
      expect(cli.stdout, output).toMatch(/^backfill (\d+) started \(writes cards\): hubspot company$/m);
      const bars = cli.stderr.split('\n').filter((l) => l.startsWith('['));
      expect(bars.length, output).toBeGreaterThan(0);
      // The last line is the full bar: done equals the total of 120 records.
      expect(bars.at(-1), output).toMatch(/^\[#{30}\] 120\/120 {2}\d+\.\d\/s {2}ETA \S+ {2}\(listed\)$/);
      expect(cli.stdout, output).toMatch(/^backfill \d+ finished: \{"queued":0,"running":0,"done":120,"skipped":0,"dead":0\}$/m);
      // It followed a run in progress, not only its end: an earlier line was not yet full.
      expect(bars.some((l) => !l.startsWith(`[${'#'.repeat(30)}]`)), output).toBe(true);
      for (const id of ids) expect(hubspot.cards.get(`company:${id}`)?.cbs_version, id).toBeTruthy();
      expect(await service.stop()).toBe(0);
    } finally {
      await hubspot.close();
    }
  }, 300_000);
});
