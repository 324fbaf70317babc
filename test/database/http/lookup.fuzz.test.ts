import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAnswer, useFuzzService } from '../../support/fuzz/service.js';
import { hostileString } from '../../support/fuzz/hostile.js';

/** GET /v1/lookup with generated hostile query strings: never a 5xx, 200 JSON or 4xx problem+json. */

const param = fc.oneof(hostileString, fc.constantFrom('62.01', '6201', '62.01.0', '62 01', 'J', '10-49', '250+', '12', 'bakkerij', 'COMPUTER_SOFTWARE'));

describe('fuzz GET /v1/lookup', () => {
  const fuzz = useFuzzService();

  it('answers every query with 200 JSON or a 4xx problem', async () => {
    const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom('sbi', 'employees', 'industry'), hostileString), param), { maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        const qs = new URLSearchParams(pairs).toString();
        const res = await fuzz.request(`/v1/lookup?${qs}`);
        if (res.status === 200) expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        await checkAnswer(res, undefined, `?${qs.slice(0, 300)}`);
      }),
      { numRuns: 800 },
    );
  });

  it('answers raw, badly encoded query strings without a 5xx', async () => {
    const raw = fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%FF%FE', '&&&', '=', 'sbi', 'sbi=%C0%AF', `sbi=${'9'.repeat(5000)}`, 'employees=1e309', 'employees=-1');
    await fc.assert(
      fc.asyncProperty(fc.array(raw, { minLength: 1, maxLength: 4 }), async (parts) => {
        const res = await fuzz.request(`/v1/lookup?${parts.join('&')}`);
        await checkAnswer(res, undefined, `?${parts.join('&').slice(0, 300)}`);
      }),
      { numRuns: 200 },
    );
  });

  it('resolves a real SBI code and an employee count', async () => {
    const res = await fuzz.request('/v1/lookup?sbi=62.01&employees=25');
    await checkAnswer(res.clone(), true, 'sbi=62.01&employees=25');
    const body = (await res.json()) as Record<string, unknown>;
    expect(JSON.stringify(body)).toContain('62.01');
  });
});
