import { describe, expect, it } from 'vitest';
import { parsePipedriveEvent, verifyPipedriveBasicAuth } from '../../../src/crm/pipedrive/webhook.js';
import { PayloadError } from '../../../src/crm/webhook-event.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('Pipedrive Basic auth', () => {
  it('needs both user and password right', () => {
    expect(verifyPipedriveBasicAuth(basic('u:p:with:colons'), 'u', 'p:with:colons')).toEqual({ ok: true });
    expect(verifyPipedriveBasicAuth(basic('u:wrong'), 'u', 'p')).toMatchObject({ ok: false, reason: 'signature' });
    expect(verifyPipedriveBasicAuth(basic('x:p'), 'u', 'p')).toMatchObject({ ok: false });
    expect(verifyPipedriveBasicAuth(basic('u'), 'u', 'p')).toMatchObject({ ok: false });
    expect(verifyPipedriveBasicAuth('Bearer abc', 'u', 'p')).toMatchObject({ ok: false });
    expect(verifyPipedriveBasicAuth(undefined, 'u', 'p')).toMatchObject({ ok: false });
  });
});

const envelope = (meta: Record<string, unknown>, data: unknown = { id: 5, name: 'Acme', custom_fields: {} }, previous: unknown = null) => ({
  meta: { action: 'create', entity: 'organization', company_id: 123, id: 'evt-1', entity_id: '5', change_source: 'app', ...meta },
  data,
  previous,
});

describe('Pipedrive v2 envelope', () => {
  it('turns an organization or person create into one event keyed on the created object', () => {
    const org = parsePipedriveEvent(envelope({}));
    expect(org.events[0]).toMatchObject({
      ref: { source: 'pipedrive', accountId: '123', objectType: 'organization', objectId: '5' },
      reason: 'webhook',
      dedupeKey: 'pipedrive:123:organization:5:created',
      payload: { lead: { company: 'Acme' } },
    });
    // The same creation redelivered under another event id is the same key: no second job.
    expect(parsePipedriveEvent(envelope({ id: 'evt-2' })).events[0].dedupeKey).toBe('pipedrive:123:organization:5:created');
    const person = parsePipedriveEvent(envelope({ entity: 'person', entity_id: 9 }, { id: 9, name: 'Jan', org_id: 5 }));
    expect(person.events[0].ref.objectType).toBe('person');
    expect(person.events[0].payload.lead).toEqual({});
    expect(person.events[0].payload.raw).toMatchObject({ data: { org_id: '5' } });
  });

  it('refuses ids holding control characters, naming the field (a NUL once reached the database as a 500)', () => {
    // The fuzz counterexample: meta.entity_id "\u0000" with a data.id present.
    for (const [meta, field] of [
      [{ entity_id: '\u0000' }, 'meta.entity_id'],
      [{ id: 'evt\u0000' }, 'meta.id'],
      [{ company_id: '12\n3' }, 'meta.company_id'],
    ] as const) {
      const err = (() => {
        try {
          parsePipedriveEvent(envelope(meta, { name: 'Acme' }));
        } catch (e) {
          return e as { errors?: { field: string }[] };
        }
      })();
      expect(err?.errors?.map((e) => e.field), JSON.stringify(meta)).toContain(field);
    }
  });

  it('re-enriches on a change of custom fields made in the app, and ignores API changes (our own writes)', () => {
    const byPerson = parsePipedriveEvent(envelope({ action: 'change' }, { id: 5 }, { custom_fields: { h: { value: 'x' } } }));
    expect(byPerson.events[0].reason).toBe('reenrich');
    const byApi = parsePipedriveEvent(envelope({ action: 'change', change_source: 'api' }, { id: 5 }, { custom_fields: { h: null } }));
    expect(byApi.events).toEqual([]);
    expect(parsePipedriveEvent(envelope({ action: 'delete' }, null)).ignored).toHaveLength(1);
    expect(parsePipedriveEvent(envelope({ entity: 'deal' })).ignored[0]).toMatchObject({ eventType: 'create.deal' });
  });

  it('names missing envelope fields', () => {
    try {
      parsePipedriveEvent({ meta: { action: 'create' } });
      expect.unreachable();
    } catch (err) {
      expect((err as PayloadError).errors.map((e) => e.field)).toEqual(['meta.entity', 'meta.id', 'meta.company_id']);
    }
    expect(() => parsePipedriveEvent({ v: 1, event: 'added.organization', current: {} })).toThrow(PayloadError);
    expect(() => parsePipedriveEvent(envelope({}, null))).toThrow(/no data/);
  });
});
