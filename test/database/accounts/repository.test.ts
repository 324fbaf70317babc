import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  credentialsOf,
  deleteAccount,
  getAccount,
  listAccounts,
  markActive,
  markNeedsReconnect,
  markPaused,
  markVerified,
  patchAccount,
  registerAccount,
  registerEnvironmentAccount,
  resealAll,
  updateTokens,
  webhookSecretOf,
} from '../../../src/accounts/repository.js';
import { createSecretBox } from '../../../src/accounts/secret-box.js';
import { crmAccounts } from '../../../src/db/schema.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';

const uid = () => String(100_000 + Math.floor(Math.random() * 9_000_000));

describe.each(flavours)('account registry on %s', (flavour) => {
  let database: TestDatabase;
  const key = randomBytes(32);
  const box = createSecretBox(key);
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('registers an account with its secrets sealed in the row and never in what it returns', async () => {
    const portal = uid();
    const summary = await registerAccount(database.db, box, {
      source: 'hubspot',
      accountId: portal,
      authKind: 'static',
      credentials: { accessToken: 'pat-eu1-repository-secret' },
      webhookSecret: 'client-secret-of-the-app-0123',
    });
    expect(summary).toMatchObject({ source: 'hubspot', accountId: portal, state: 'active', authKind: 'static', origin: 'registry', hasWebhookSecret: true });
    expect(JSON.stringify(summary)).not.toMatch(/pat-eu1|client-secret/);
    const [row] = await database.db.select().from(crmAccounts).where(eq(crmAccounts.accountId, portal));
    expect(JSON.stringify(row)).not.toMatch(/pat-eu1|client-secret/);
    expect(row.keyId).toBe(box.keyId);
    expect(await credentialsOf(database.db, box, 'hubspot', portal)).toEqual({ accessToken: 'pat-eu1-repository-secret' });
    expect(await webhookSecretOf(database.db, box, 'hubspot', portal)).toBe('client-secret-of-the-app-0123');
    // Another account's key, or a blob copied into another row, does not open.
    await expect(credentialsOf(database.db, createSecretBox(randomBytes(32)), 'hubspot', portal)).rejects.toThrow(/not configured/);
    const other = uid();
    await registerAccount(database.db, box, { source: 'hubspot', accountId: other, authKind: 'static', credentials: { accessToken: 'pat-other' } });
    await database.db.update(crmAccounts).set({ credentials: row.credentials }).where(eq(crmAccounts.accountId, other));
    await expect(credentialsOf(database.db, box, 'hubspot', other)).rejects.toThrow(/did not open/);
  });

  it('a second registration of the same account replaces its credential and makes it active again', async () => {
    const company = uid();
    await registerAccount(database.db, box, { source: 'pipedrive', accountId: company, authKind: 'static', credentials: { apiToken: 'first-token' }, mappingOverride: { industry: 'x' } });
    await markNeedsReconnect(database.db, 'pipedrive', company, 'token refused (401)');
    expect((await getAccount(database.db, 'pipedrive', company))?.state).toBe('needs_reconnect');
    const again = await registerAccount(database.db, box, { source: 'pipedrive', accountId: company, authKind: 'static', credentials: { apiToken: 'second-token' } });
    expect(again).toMatchObject({ state: 'active', stateReason: null, mappingOverride: { industry: 'x' } });
    expect(await credentialsOf(database.db, box, 'pipedrive', company)).toEqual({ apiToken: 'second-token' });
    expect((await listAccounts(database.db, { source: 'pipedrive' })).filter((a) => a.accountId === company)).toHaveLength(1);
  });

  it('refuses credentials that do not fit the CRM', async () => {
    await expect(registerAccount(database.db, box, { source: 'generic', accountId: uid(), authKind: 'static', credentials: { apiToken: 'x' } as never })).rejects.toThrow(/do not fit generic/);
  });

  it('an environment account stores no credential and does not overwrite a registered one', async () => {
    const portal = uid();
    const env = await registerEnvironmentAccount(database.db, 'hubspot', portal);
    expect(env).toMatchObject({ origin: 'environment', authKind: 'static', state: 'active', hasWebhookSecret: false });
    expect(await credentialsOf(database.db, box, 'hubspot', portal)).toBeUndefined();
    const company = uid();
    await registerAccount(database.db, box, { source: 'pipedrive', accountId: company, authKind: 'static', credentials: { apiToken: 'registered' } });
    await markPaused(database.db, 'pipedrive', company, 'custom field limit of the plan reached');
    const kept = await registerEnvironmentAccount(database.db, 'pipedrive', company);
    expect(kept).toMatchObject({ origin: 'registry', state: 'paused', stateReason: 'custom field limit of the plan reached' });
    expect(await credentialsOf(database.db, box, 'pipedrive', company)).toEqual({ apiToken: 'registered' });
  });

  it('lists by source and state, patches, updates tokens, marks states and deletes', async () => {
    const a = uid();
    const b = uid();
    await registerAccount(database.db, box, { source: 'generic', accountId: a, authKind: 'static', credentials: { url: 'http://127.0.0.1:1/crm', token: 't-a' } });
    await registerAccount(database.db, box, { source: 'generic', accountId: b, authKind: 'static', credentials: { url: 'http://127.0.0.1:1/crm' } });
    await markPaused(database.db, 'generic', b, 'paused by an operator');
    const paused = await listAccounts(database.db, { source: 'generic', state: 'paused' });
    expect(paused.map((x) => x.accountId)).toContain(b);
    expect(paused.map((x) => x.accountId)).not.toContain(a);
    expect(await markActive(database.db, 'generic', b)).toBe(true);
    expect((await getAccount(database.db, 'generic', b))?.state).toBe('active');

    const patched = await patchAccount(database.db, box, 'generic', a, { state: 'paused', stateReason: 'holiday', mappingOverride: { sector: 'branche' }, webhookSecret: 'per-target-secret-0123' });
    expect(patched).toMatchObject({ state: 'paused', stateReason: 'holiday', mappingOverride: { sector: 'branche' }, hasWebhookSecret: true });
    expect(await patchAccount(database.db, box, 'generic', a, { webhookSecret: null, mappingOverride: null })).toMatchObject({ hasWebhookSecret: false, mappingOverride: null });
    expect(await patchAccount(database.db, box, 'generic', 'nobody', { state: 'active' })).toBeUndefined();

    const expires = new Date(Date.now() + 1800_000);
    const portal = uid();
    await registerAccount(database.db, box, { source: 'hubspot', accountId: portal, authKind: 'oauth', credentials: { accessToken: 'at-1', refreshToken: 'rt-1' }, tokenExpiresAt: new Date() });
    expect(await updateTokens(database.db, box, 'hubspot', portal, { accessToken: 'at-2', refreshToken: 'rt-2' }, expires)).toBe(true);
    expect(await credentialsOf(database.db, box, 'hubspot', portal)).toEqual({ accessToken: 'at-2', refreshToken: 'rt-2' });
    expect((await getAccount(database.db, 'hubspot', portal))?.tokenExpiresAt?.getTime()).toBe(expires.getTime());
    const at = new Date(Date.now() - 1000);
    await markVerified(database.db, 'hubspot', portal, at);
    expect((await getAccount(database.db, 'hubspot', portal))?.lastVerifiedAt?.getTime()).toBe(at.getTime());

    expect(await deleteAccount(database.db, 'generic', a)).toBe(true);
    expect(await deleteAccount(database.db, 'generic', a)).toBe(false);
    expect(await getAccount(database.db, 'generic', a)).toBeUndefined();
  });

  it('re-seals the rows of a retired key with the current one', async () => {
    const old = randomBytes(32);
    const oldBox = createSecretBox(old);
    const company = uid();
    await registerAccount(database.db, oldBox, { source: 'pipedrive', accountId: company, authKind: 'static', credentials: { apiToken: 'sealed-with-old' }, webhookSecret: 'old-secret-0123456789' });
    const rotated = createSecretBox(key, [old]);
    expect(await resealAll(database.db, rotated)).toBeGreaterThanOrEqual(1);
    const [row] = await database.db.select().from(crmAccounts).where(eq(crmAccounts.accountId, company));
    expect(row.keyId).toBe(rotated.keyId);
    // Opens with the current key alone now.
    expect(await credentialsOf(database.db, box, 'pipedrive', company)).toEqual({ apiToken: 'sealed-with-old' });
    expect(await webhookSecretOf(database.db, box, 'pipedrive', company)).toBe('old-secret-0123456789');
  });
});
