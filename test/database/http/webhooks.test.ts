import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobs, webhookEvents } from '../../../src/db/schema.js';
import type { JobPayload } from '../../../src/leads/job-payload.js';
import { type TestService, bodyOf, createApp, createTestService, memoryLogger, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { standardWebhookHeaders } from '../../support/signed.js';

const HUBSPOT_SECRET = 'hs-secret-0123456789';
const GENERIC_KEY = Buffer.from('generic-signing-key-32-bytes-long!').toString('base64');
const GENERIC_SECRET = `whsec_${GENERIC_KEY}`;
const PUBLIC_URL = 'https://verrijk.example.nl';
const env = {
  PUBLIC_URL,
  HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
  PIPEDRIVE_WEBHOOK_USER: 'pd-user',
  PIPEDRIVE_WEBHOOK_PASSWORD: 'pd-password-long',
  GENERIC_WEBHOOK_SECRET: GENERIC_SECRET,
};

let seq = 0;
const unique = () => `${Date.now()}${++seq}`;

/** HubSpot v3, computed from the documentation: base64(HMAC-SHA256(secret, method + uri + body + timestamp)). */
function hubspotRequest(events: unknown, opts: { ts?: number; path?: string; signedPath?: string; secret?: string } = {}) {
  const body = JSON.stringify(events);
  const ts = String(opts.ts ?? Date.now());
  const path = opts.path ?? '/webhooks/hubspot';
  const sig = createHmac('sha256', opts.secret ?? HUBSPOT_SECRET).update(`POST${PUBLIC_URL}${opts.signedPath ?? path}${body}${ts}`).digest('base64');
  return new Request(`http://127.0.0.1${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts },
  });
}

function genericRequest(payload: unknown, id = `msg_${unique()}`, raw?: string) {
  const body = raw ?? JSON.stringify(payload);
  return new Request('http://127.0.0.1/webhooks/generic', {
    method: 'POST',
    body,
    headers: standardWebhookHeaders(GENERIC_SECRET, id, body),
  });
}

function pipedriveRequest(envelope: unknown, auth = 'pd-user:pd-password-long') {
  return new Request('http://127.0.0.1/webhooks/pipedrive', {
    method: 'POST',
    body: JSON.stringify(envelope),
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  });
}

const creation = (portalId: number, objectId: number, type = 'company.creation') => ({
  eventId: Number(unique()),
  subscriptionId: 1,
  portalId,
  appId: 9,
  occurredAt: Date.now(),
  subscriptionType: type,
  attemptNumber: 0,
  objectId,
  changeSource: 'CRM_UI',
});

describe.each(flavours)('webhooks on %s', (flavour) => {
  let database: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let service: TestService;
  // The real worker pool's wake-up, counted (the pool itself is not started).
  let wake: { mock: { calls: unknown[] } };
  /** Runtimes a single test builds over the same database (a few ms each: the snapshot is loaded already). */
  const extra: TestService[] = [];
  const another = async (...args: Parameters<typeof createTestService> extends [unknown, ...infer Rest] ? Rest : never) => {
    const built = await createTestService(database, ...args);
    extra.push(built);
    return built;
  };
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    service = await createTestService(database, testConfig(env));
    wake = vi.spyOn(service.deps.jobs, 'wake');
    app = service.app;
  });
  afterAll(async () => {
    for (const s of [service, ...extra]) await s?.runtime.stop();
    await database?.drop();
  });

  const jobsFor = (leadKey: string) => database.db.select().from(jobs).where(eq(jobs.leadKey, leadKey));
  const totals = async () => {
    const [j] = await database.db.select({ n: count() }).from(jobs);
    const [e] = await database.db.select({ n: count() }).from(webhookEvents);
    return { jobs: j.n, events: e.n };
  };

  it('records a signed HubSpot creation once, however often it arrives', async () => {
    const portal = Number(unique());
    const events = [creation(portal, 1), creation(portal, 2, 'contact.creation')];
    const first = await app.request(hubspotRequest(events));
    const body = await bodyOf(first);
    expect(first.status, body.text).toBe(200);
    expect(body.json).toEqual({ accepted: 2, duplicates: 0, ignored: 0 });
    expect(wake.mock.calls.length).toBeGreaterThan(0);

    // A redelivery, and the same creation under another eventId: no second job.
    const again = await app.request(hubspotRequest([{ ...events[0], eventId: 999 }, events[1]]));
    expect((await bodyOf(again)).json).toEqual({ accepted: 0, duplicates: 2, ignored: 0 });
    const rows = await jobsFor(`hubspot:${portal}:company:1`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'queued', reason: 'webhook', source: 'hubspot', accountId: String(portal), objectType: 'company' });
    const [ev] = await database.db.select().from(webhookEvents).where(eq(webhookEvents.dedupeKey, `hubspot:${portal}:company:1:created`));
    expect(ev.jobId).toBe(rows[0].id);
  });

  it('logs one line per webhook: the request, with what was recorded and the job ids', async () => {
    const mem = memoryLogger();
    const logged = (await another(testConfig(env), { logger: mem.logger() })).app;
    mem.lines.length = 0; // what the runtime logged while it was built
    const id = `logline-${unique()}`;
    const res = await logged.request(genericRequest({ type: 'lead.created', lead: { id } }));
    expect(res.status, (await bodyOf(res)).text).toBe(200);
    const [job] = await jobsFor(`generic:default:lead:${id}`);
    const lines = mem.lines.map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request', path: '/webhooks/generic', status: 200, source: 'generic', accepted: 1, duplicates: 0, jobIds: [job.id] });
  });

  it('counts a webhook as in flight from its verified body to its answer, for the workers to yield to', async () => {
    const seen: boolean[] = [];
    const { app: counted, deps } = await another(testConfig(env));
    const gauge = deps.intake;
    vi.spyOn(deps.jobs, 'wake').mockImplementation(() => void seen.push(gauge.busy()));
    const res = await counted.request(genericRequest({ type: 'lead.created', lead: { id: `gauge-${unique()}` } }));
    expect(res.status, (await bodyOf(res)).text).toBe(200);
    expect(seen).toEqual([true]); // busy while the handler ran
    expect(gauge.busy()).toBe(false);
    const refused = await counted.request(genericRequest({ type: 'lead.created', lead: { id: 'x' } }, 'msg_bad', '{"tampered":1}'));
    expect(refused.status).toBe(400); // signed, but not a lead: refused, and no longer counted
    expect(gauge.busy()).toBe(false);
  });

  it('makes exactly one job when the same event arrives 5 times at once', async () => {
    const portal = Number(unique());
    const events = [creation(portal, 5)];
    const responses = await Promise.all(Array.from({ length: 5 }, () => app.request(hubspotRequest(events))));
    const bodies = await Promise.all(responses.map((r) => bodyOf(r)));
    for (const [i, r] of responses.entries()) expect(r.status, bodies[i].text).toBe(200);
    expect(bodies.reduce((n, b) => n + b.json.accepted, 0)).toBe(1);
    expect(await jobsFor(`hubspot:${portal}:company:5`)).toHaveLength(1);
  });

  it('takes a batch of 100 reordered events from several portals, duplicates inside included', async () => {
    const portals = [Number(unique()), Number(unique()), Number(unique())];
    const events = Array.from({ length: 90 }, (_, i) => creation(portals[i % 3], i));
    const batch = [...events, ...events.slice(0, 10)].reverse();
    const res = await app.request(hubspotRequest(batch));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json).toEqual({ accepted: 90, duplicates: 10, ignored: 0 });
    for (const p of portals) {
      const [n] = await database.db.select({ n: count() }).from(jobs).where(eq(jobs.accountId, String(p)));
      expect(n.n).toBe(30);
    }
  });

  it('acknowledges and ignores event types it does not handle', async () => {
    const portal = Number(unique());
    const res = await app.request(
      hubspotRequest([
        { ...creation(portal, 1), subscriptionType: 'deal.creation' },
        { ...creation(portal, 1), subscriptionType: 'company.propertyChange', propertyName: 'cbs_sector' },
      ]),
    );
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json).toEqual({ accepted: 0, duplicates: 0, ignored: 2 });
  });

  it('refuses bad, stale, future and missing HubSpot signatures with 401', async () => {
    const before = await totals();
    const events = [creation(1, 1)];
    const cases: Request[] = [
      hubspotRequest(events, { secret: 'wrong-secret' }),
      hubspotRequest(events, { ts: Date.now() - 6 * 60_000 }),
      hubspotRequest(events, { ts: Date.now() + 6 * 60_000 }),
      new Request('http://127.0.0.1/webhooks/hubspot', { method: 'POST', body: JSON.stringify(events), headers: { 'content-type': 'application/json' } }),
    ];
    // Signed for another URL (a query string the request does not carry).
    const other = hubspotRequest(events, { path: '/webhooks/hubspot?portal=1' });
    cases.push(new Request('http://127.0.0.1/webhooks/hubspot', { method: 'POST', body: JSON.stringify(events), headers: other.headers }));
    // The body altered after signing.
    const signed = hubspotRequest(events);
    cases.push(new Request(signed.url, { method: 'POST', body: JSON.stringify([creation(1, 2)]), headers: signed.headers }));
    for (const req of cases) {
      const res = await app.request(req);
      const body = await bodyOf(res);
      expect(res.status, body.text).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await totals()).toEqual(before);
  });

  it('verifies the query string as received, with HubSpot\'s decoding of %3A and friends', async () => {
    // HubSpot signs the URI after decoding %3A → ':' (and its other listed characters); %20 stays.
    const path = '/webhooks/hubspot?install=a%3Ab&n=x%20y';
    const res = await app.request(hubspotRequest([creation(Number(unique()), 1)], { path, signedPath: '/webhooks/hubspot?install=a:b&n=x%20y' }));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
  });

  it('accepts a Pipedrive create with the right Basic credentials and dedupes on meta.id', async () => {
    const company = unique();
    const envelope = {
      meta: { action: 'create', entity: 'organization', company_id: company, id: `ev-${unique()}`, entity_id: '77', change_source: 'app' },
      data: { id: 77, name: 'Bakkerij De Korenschoof', custom_fields: { abc123: { type: 'varchar', value: '1071' } } },
      previous: null,
    };
    const res = await app.request(pipedriveRequest(envelope));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.accepted).toBe(1);
    expect((await bodyOf(await app.request(pipedriveRequest(envelope)))).json).toEqual({ accepted: 0, duplicates: 1, ignored: 0 });
    const [job] = await jobsFor(`pipedrive:${company}:organization:77`);
    expect(job.payload).toMatchObject({ lead: { company: 'Bakkerij De Korenschoof' }, raw: { data: { custom_fields: { abc123: { value: '1071' } } } } });

    for (const auth of ['pd-user:wrong', 'other:pd-password-long', 'pd-user']) {
      const bad = await app.request(pipedriveRequest({ ...envelope, meta: { ...envelope.meta, id: unique() } }, auth));
      expect(bad.status, (await bodyOf(bad)).text).toBe(401);
      expect(bad.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    const none = await app.request(new Request('http://127.0.0.1/webhooks/pipedrive', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
    expect(none.status).toBe(401);
  });

  it('accepts a generic event signed with the standardwebhooks package and validates the lead', async () => {
    const id = `msg_${unique()}`;
    const lead = { id: 'L-1', company: 'Acme B.V.', sbi: '62.01', employees: '10-49', kvk: { sbiActiviteiten: [{ sbiCode: '6201', indHoofdactiviteit: 'Ja' }] } };
    const res = await app.request(genericRequest({ type: 'lead.created', lead }, id));
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.accepted).toBe(1);
    expect((await bodyOf(await app.request(genericRequest({ type: 'lead.created', lead }, id)))).json.duplicates).toBe(1);
    const [job] = await jobsFor('generic:default:lead:L-1');
    expect(job.payload).toMatchObject({ lead: { company: 'Acme B.V.', sbi: '62.01', employees: '10-49', kvkSbi: lead.kvk } });

    const invalid = await app.request(genericRequest({ type: 'lead.created', lead: { company: 'no id', employees: true } }));
    const ib = await bodyOf(invalid);
    expect(invalid.status, ib.text).toBe(400);
    expect(ib.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['lead.employees', 'lead.id']);

    const other = await app.request(genericRequest({ type: 'lead.deleted', lead: { id: 1 } }));
    expect((await bodyOf(other)).json).toEqual({ accepted: 0, duplicates: 0, ignored: 1 });
  });

  it('passes a generic request carrying several signatures when one is valid, refuses stale ones', async () => {
    const body = JSON.stringify({ type: 'lead.created', lead: { id: unique() } });
    const id = `msg_${unique()}`;
    const ts = Math.floor(Date.now() / 1000);
    const sign = (t: number, key = GENERIC_KEY) =>
      createHmac('sha256', Buffer.from(key, 'base64')).update(`${id}.${t}.${body}`).digest('base64');
    const send = (t: number, signature: string) =>
      app.request('/webhooks/generic', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': signature },
      });
    const oldKey = Buffer.from('an-old-rotated-key').toString('base64');
    expect((await send(ts - 400, `v1,${sign(ts - 400)}`)).status).toBe(401);
    expect((await send(ts + 400, `v1,${sign(ts + 400)}`)).status).toBe(401);
    expect((await send(ts, `v1,${sign(ts, oldKey)}`)).status).toBe(401);
    const ok = await send(ts, `v1,${sign(ts, oldKey)} v2,abc v1,${sign(ts)}`);
    expect(ok.status, (await bodyOf(ok)).text).toBe(200);
  });

  it('refuses every request for a source that is not configured', async () => {
    const bare = (await another(testConfig({ PUBLIC_URL }))).app;
    for (const req of [hubspotRequest([creation(1, 1)]), genericRequest({ type: 'lead.created', lead: { id: 1 } }), pipedriveRequest({})]) {
      const res = await bare.request(req);
      const body = await bodyOf(res);
      expect(res.status, body.text).toBe(401);
      expect(body.json.detail).toMatch(/not configured/);
    }
  });

  describe('hostile input', () => {
    const generic = (raw: string, contentType = 'application/json') => {
      const req = genericRequest(undefined, undefined, raw);
      const headers = new Headers(req.headers);
      headers.set('content-type', contentType);
      return new Request(req.url, { method: 'POST', body: raw, headers });
    };

    it('answers 4xx problem+json, never 5xx, and leaves the database as it was', async () => {
      const before = await totals();
      const deep = '['.repeat(5000) + ']'.repeat(5000);
      const cases: Array<[Request, number]> = [
        [generic(''), 400],
        [generic('{"type":'), 400],
        [generic('null'), 400],
        [generic('[1,2,3]'), 400],
        [generic(deep), 400],
        [generic(`{"type":"lead.created","lead":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`), 400],
        [generic('{"type":"lead.created","lead":{"id":"x"}}', 'text/plain'), 415],
        [generic('{"type":"lead.created","lead":{"id":"x"}}', 'application/x-www-form-urlencoded'), 415],
        [generic(JSON.stringify({ type: 'lead.created', lead: { id: '' } })), 400],
        [generic(JSON.stringify({ type: 'lead.created', lead: { id: 1, company: 'x'.repeat(600) } })), 400],
        [hubspotRequest({ not: 'an array' }), 400],
        [hubspotRequest([{ subscriptionType: 'company.creation', portalId: { $gt: 1 }, objectId: 1 }]), 400],
      ];
      for (const [req, status] of cases) {
        const res = await app.request(req);
        const body = await bodyOf(res);
        expect(res.status, body.text).toBe(status);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
      }
      expect(await totals()).toEqual(before);
    });

    it('refuses a 2 MB body with 413, declared or streamed', async () => {
      const big = JSON.stringify({ type: 'lead.created', lead: { id: 1, company: 'x'.repeat(2 * 1024 * 1024) } });
      const declared = await app.request(generic(big));
      expect(declared.status, (await bodyOf(declared)).text).toBe(413);
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 32; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
          controller.close();
        },
      });
      const streamed = await app.request(
        // Signed over another body: headers that pass the checks made before the body is read (finding H1).
        new Request('http://127.0.0.1/webhooks/generic', { method: 'POST', body: stream, duplex: 'half', headers: standardWebhookHeaders(GENERIC_SECRET, 'msg_big', '{}') } as RequestInit),
      );
      const body = await bodyOf(streamed);
      expect(streamed.status, body.text).toBe(413);
      expect(streamed.headers.get('content-type')).toBe('application/problem+json');
    });

    it('reads the body from the socket when served for real: records it, and refuses 2 MB declared or chunked with 413', async () => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((r) => server.once('listening', () => r()));
      const { port } = server.address() as AddressInfo;
      // Raw node:http, so the body can be sent in chunks without a Content-Length.
      const post = (headers: Record<string, string>, chunks: string[]) =>
        new Promise<{ status: number; type: string | undefined; requestId: string | undefined; text: string }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/webhooks/generic', headers }, (res) => {
            let text = '';
            res
              .setEncoding('utf8')
              .on('data', (d) => (text += d))
              .on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], requestId: res.headers['x-request-id'] as string, text }));
          });
          req.on('error', reject);
          for (const chunk of chunks) req.write(chunk);
          req.end();
        });
      try {
        const id = `served-${unique()}`;
        const signed = genericRequest({ type: 'lead.created', lead: { id, company: 'Socket B.V.' } });
        const body = await signed.text();
        // Headers come from Node's request too: mixed-case names, and the inbound request id is kept.
        const headers = Object.fromEntries([...signed.headers].map(([k, v]) => [k === 'webhook-signature' ? 'Webhook-Signature' : k, v]));
        const ok = await post({ ...headers, 'X-Request-Id': 'served-req-1' }, [body.slice(0, 10), body.slice(10)]);
        expect(ok.status, ok.text).toBe(200);
        expect(ok.requestId).toBe('served-req-1');
        expect(JSON.parse(ok.text)).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
        expect(await jobsFor(`generic:default:lead:${id}`)).toHaveLength(1);

        const chunked = await post(standardWebhookHeaders(GENERIC_SECRET, 'msg_big', '{}'), Array.from({ length: 32 }, () => 'x'.repeat(64 * 1024)));
        expect(chunked.status, chunked.text).toBe(413);
        expect(chunked.type).toBe('application/problem+json');
        const declared = await post({ 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) }, ['{}']).catch((err) => ({
          status: 0,
          text: String(err),
        }));
        expect(declared.status, declared.text).toBe(413);
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    it('stores unicode, control characters and injection strings as plain data', async () => {
      const nasty = [
        "Robert'); DROP TABLE jobs;--",
        '<script>alert(1)</script><img src=x onerror=alert(1)>',
        'Café Ünïcødé 🍞 \u202e evil',
        'tab\there\u0000nul\u001bescape',
      ];
      for (const [i, company] of nasty.entries()) {
        const id = `inj-${unique()}-${i}`;
        const res = await app.request(genericRequest({ type: 'lead.created', lead: { id, company, industry: company, domain: company.slice(0, 20) } }));
        const body = await bodyOf(res);
        expect(res.status, body.text).toBe(200);
        const [job] = await jobsFor(`generic:default:lead:${id}`);
        expect((job.payload as JobPayload).lead.company).toBe(company.replace(/[\u0000-\u001f\u007f]/g, ' ').trim());
      }
      // The table is still there and whole.
      expect((await totals()).jobs).toBeGreaterThan(0);
    });
  });
});
