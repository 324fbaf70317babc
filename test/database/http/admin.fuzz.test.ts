import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FUZZ_SECRETS, checkAnswer, useFuzzService } from '../../support/fuzz/service.js';
import { HOSTILE_IDS, hostileId, hostileString } from '../../support/fuzz/hostile.js';

/**
 * The admin API and the login form under hostile ids and values (U+0000, lone
 * surrogates, dot segments, separators), raw and percent-encoded: never a 5xx,
 * every error problem+json (the login form answers HTML by design).
 */

const auth = { authorization: `Bearer ${FUZZ_SECRETS.adminToken}` };
/**
 * Percent-encoding of any JS string, lone surrogates included (as the WTF-8
 * bytes a broken client would send, `%ED%A0%80`): encodeURIComponent throws on them.
 */
function encodeAny(s: string): string {
  return s.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (ch) => {
    const u = ch.charCodeAt(0);
    if (ch.length === 1 && u >= 0xd800 && u <= 0xdfff) {
      return [0xed, 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
    return encodeURIComponent(ch);
  });
}

/** A path segment as a client might send it: encoded, or raw where the URL still parses. */
const segment = fc.oneof(
  hostileId.map((id) => encodeAny(String(id))),
  fc.constantFrom(...HOSTILE_IDS.filter((id) => /^[\x21-\x7e]+$/.test(id) && !/[#?/]/.test(id))),
);

describe('fuzz the admin API', () => {
  const fuzz = useFuzzService();

  it('answers lead lookups and re-enrich with hostile sources, ids and queries without a 5xx', async () => {
    const source = fc.oneof(fc.constantFrom('hubspot', 'pipedrive', 'generic'), segment);
    const query = fc.array(fc.tuple(fc.constantFrom('account', 'type', 'x'), fc.oneof(hostileString, hostileId.map(String))), { maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(source, segment, query, fc.boolean(), async (src, id, pairs, enrich) => {
        const qs = new URLSearchParams(pairs).toString();
        const path = `/v1/leads/${src}/${id}${enrich ? '/enrich' : ''}${qs ? `?${qs}` : ''}`;
        const res = await fuzz.request(path, { method: enrich ? 'POST' : 'GET', headers: auth });
        await checkAnswer(res, undefined, `${enrich ? 'POST' : 'GET'} ${path.slice(0, 300)}`);
      }),
      { numRuns: 400 },
    );
  });

  it('answers job routes with hostile ids and filters without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(segment, fc.oneof(hostileString, hostileId.map(String)), async (id, filter) => {
        const retry = await fuzz.request(`/v1/jobs/${id}/retry`, { method: 'POST', headers: auth });
        await checkAnswer(retry, undefined, `POST /v1/jobs/${id}/retry`);
        const list = await fuzz.request(`/v1/jobs?${new URLSearchParams({ status: filter, source: filter, before: filter })}`, { headers: auth });
        await checkAnswer(list, undefined, `GET /v1/jobs filter ${JSON.stringify(filter)}`);
      }),
      { numRuns: 300 },
    );
  });

  it('answers hostile login forms with the form again (never a 5xx, never a session)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString, hostileId.map(String)), async (token) => {
        const res = await fuzz.request('/login', {
          method: 'POST',
          body: `token=${encodeAny(token)}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        if (res.status >= 500 || res.status === 303) throw new Error(`login with ${JSON.stringify(token)} → ${res.status}`);
        await res.text();
      }),
      { numRuns: 30 },
    );
  });
});
