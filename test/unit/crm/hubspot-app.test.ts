import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hubspotPaths } from '../../../src/crm/hubspot/paths.js';
import { HUBSPOT_SCOPES } from '../../../src/crm/hubspot/scopes.js';
import { parseHubSpotEvents } from '../../../src/crm/hubspot/webhook.js';
import { requiredScope } from '../../support/fakes/hubspot-scopes.js';

/**
 * The project-based HubSpot app in `hubspot-app/` (developer platform 2026.09,
 * research crm-apis-2026.md F-H4): `hsproject.json` names `srcDir` and
 * `platformVersion`; every feature lives under `src/app/`, one folder per feature,
 * configured by a `*-hsmeta.json` at the root of its folder (`uid`, `type`, `config`);
 * webhooks carry `settings.targetUrl` and `maxConcurrentRequests` and
 * `subscriptions.crmObjects` (`object.creation` with `objectType`). The scopes must
 * cover every HubSpot call Verrijk makes, on every API version, and nothing more.
 */

const root = path.resolve(fileURLToPath(new URL('../../../hubspot-app', import.meta.url)));
const json = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, any>;

function hsmetaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...hsmetaFiles(full));
    else if (name.endsWith('-hsmeta.json')) out.push(path.relative(root, full));
  }
  return out.sort();
}

/** Every (method, path) Verrijk's HubSpot adapter and `crm:ensure` send, built by the adapter's own path module. */
function verrijkCalls(version: string): Array<[string, string]> {
  const p = hubspotPaths(version);
  const calls: Array<[string, string]> = [['GET', p.accountDetails()]];
  for (const segment of ['companies', 'contacts']) {
    calls.push(
      ['GET', p.object(segment, '1')],
      ['PATCH', p.object(segment, '1')],
      ['POST', p.batchRead(segment)],
      ['POST', p.batchUpdate(segment)],
      ['POST', p.search(segment)],
      ['GET', p.group(segment, 'verrijk')],
      ['POST', p.groups(segment)],
      ['GET', p.properties(segment)],
      ['POST', p.properties(segment)],
    );
  }
  return calls;
}

describe('hubspot-app/ (HubSpot project, platform 2026.09)', () => {
  const project = json('hsproject.json');
  const files = hsmetaFiles(path.join(root, project.srcDir ?? 'src'));

  it('hsproject.json names the project, its src directory and platform 2026.09', () => {
    expect(project).toEqual({ name: expect.stringMatching(/^[a-z0-9-]+$/), srcDir: 'src', platformVersion: '2026.09' });
  });

  it('every feature is a *-hsmeta.json at the root of its folder under src/app/, with a unique uid and the type of its folder', () => {
    expect(files).toEqual(['src/app/app-hsmeta.json', 'src/app/webhooks/webhooks-hsmeta.json']);
    const uids = new Set<string>();
    for (const file of files) {
      const meta = json(file);
      expect(Object.keys(meta).sort(), file).toEqual(['config', 'type', 'uid']);
      expect(meta.uid, file).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(uids.has(meta.uid), `${file}: uid ${meta.uid} is used twice`).toBe(false);
      uids.add(meta.uid);
      const folder = path.basename(path.dirname(file));
      expect(meta.type, file).toBe(folder === 'app' ? 'app' : folder);
    }
  });

  it('the app: private distribution, static auth, the scopes every Verrijk call needs on v3 and on dated versions, and no other', () => {
    const { config } = json('src/app/app-hsmeta.json');
    expect(config.name).toBe('Verrijk');
    expect(config.distribution).toBe('private');
    expect(config.auth.type).toBe('static');
    const granted: string[] = config.auth.requiredScopes;
    expect(new Set(granted).size, 'no scope twice').toBe(granted.length);
    const needed = new Set<string>();
    for (const version of ['2026-09', '2026-03', 'v3']) {
      for (const [method, p] of verrijkCalls(version)) {
        const scope = requiredScope(method, p);
        expect(scope, `${method} ${p} has a known scope`).toBeDefined();
        needed.add(scope!);
      }
    }
    expect([...needed].filter((s) => !granted.includes(s)), 'scopes Verrijk needs and the app lacks').toEqual([]);
    expect(granted.filter((s) => !needed.has(s)), 'scopes the app asks for and Verrijk never uses').toEqual([]);
    // An OAuth install asks for the same scopes (HubSpot refuses an install asking for one the app lacks).
    expect([...HUBSPOT_SCOPES].sort()).toEqual([...granted].sort());
  });

  it('the webhooks: an https target ending in /webhooks/hubspot, more than five concurrent requests, and creation of companies and contacts, active', () => {
    const { config } = json('src/app/webhooks/webhooks-hsmeta.json');
    const target = new URL(config.settings.targetUrl);
    expect(target.protocol).toBe('https:');
    expect(target.pathname).toBe('/webhooks/hubspot');
    expect(Number.isInteger(config.settings.maxConcurrentRequests) && config.settings.maxConcurrentRequests > 5).toBe(true);
    const subs: Array<Record<string, unknown>> = config.subscriptions.crmObjects;
    expect(subs.map((s) => `${s.subscriptionType}:${s.objectType}:${s.active}`).sort()).toEqual(['object.creation:company:true', 'object.creation:contact:true']);
    expect(Object.keys(config.subscriptions)).toEqual(['crmObjects']);
  });

  it('what those subscriptions deliver is what Verrijk enriches (objectTypeId 0-2 company, 0-1 contact)', () => {
    const deliveries = [
      { subscriptionType: 'object.creation', objectTypeId: '0-2', objectId: 101, portalId: 4242, occurredAt: Date.now(), eventId: 1, subscriptionId: 9, appId: 7, attemptNumber: 0, changeSource: 'CRM_UI' },
      { subscriptionType: 'object.creation', objectTypeId: '0-1', objectId: 202, portalId: 4242, occurredAt: Date.now(), eventId: 2, subscriptionId: 10, appId: 7, attemptNumber: 0, changeSource: 'CRM_UI' },
    ];
    const parsed = parseHubSpotEvents(deliveries);
    expect(parsed.ignored, JSON.stringify(parsed)).toEqual([]);
    expect(parsed.events.map((e) => `${e.ref.objectType}:${e.ref.objectId}@${e.ref.accountId}`)).toEqual(['company:101@4242', 'contact:202@4242']);
  });

  it('the Connect HubSpot guide lists exactly the app scopes', () => {
    const guide = readFileSync(fileURLToPath(new URL('../../../docs/crm-hubspot.md', import.meta.url)), 'utf8');
    const listed = new Set([...guide.matchAll(/`((?:crm\.[a-z.]+)|oauth)`/g)].map((m) => m[1]));
    expect([...listed].sort()).toEqual([...json('src/app/app-hsmeta.json').config.auth.requiredScopes].sort());
  });
});

/**
 * HubSpot's own reading of the project: `@hubspot/project-parsing-lib` is the library `hs project upload`
 * uses to turn the folder into what it uploads (its intermediate representation). Its schema check needs
 * HubSpot's servers (the schemas are fetched per platform version), so that step is skipped here; what is
 * proven is that HubSpot's parser finds both components, skips no `-hsmeta.json` file and reads the scopes
 * and subscriptions Verrijk relies on.
 */
describe('hubspot-app/ as HubSpot’s project parser reads it', () => {
  it('translates into an application and its webhooks, nothing skipped', async () => {
    const { translate } = await import('@hubspot/project-parsing-lib/translate');
    const project = json('hsproject.json');
    const { intermediateRepresentation: ir, skippedHsMetaFiles } = await translate(
      { projectSourceDir: path.join(root, project.srcDir), platformVersion: project.platformVersion },
      { skipValidation: true },
    );
    expect(skippedHsMetaFiles).toEqual([]);
    const nodes = Object.values(ir.intermediateNodesIndexedByUid) as Array<{ uid: string; componentType: string; config: any; componentDeps: Record<string, unknown> }>;
    expect(nodes.map((n) => n.componentType).sort()).toEqual(['APPLICATION', 'WEBHOOKS']);
    const app = nodes.find((n) => n.componentType === 'APPLICATION')!;
    const hooks = nodes.find((n) => n.componentType === 'WEBHOOKS')!;
    expect(app.config.auth.requiredScopes).toEqual([...HUBSPOT_SCOPES]);
    expect(hooks.componentDeps.app).toBe(app.uid);
    expect(hooks.config.subscriptions.crmObjects.map((s: { subscriptionType: string; objectType: string }) => `${s.subscriptionType} ${s.objectType}`).sort()).toEqual([
      'object.creation company',
      'object.creation contact',
    ]);
  });
});
