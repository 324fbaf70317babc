import { describe, expect, it } from 'vitest';
import { runLookup } from '../../../scripts/lookup/cli.js';

/**
 * The lookup CLI (issue 25.6): it says what is wrong with its input the way `GET /v1/lookup`
 * does (exit 2 where the route answers 400), and its readable card keeps label and value apart.
 */

async function lookup(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLookup(argv, {}, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run lookup', () => {
  it('prints a card for a code and a size, exit 0', async () => {
    const r = await lookup('--sbi', '62.01', '--employees', '12');
    expect(r.code, r.err).toBe(0);
    // The card answers in SBI 2025 (issue 22) with the SBI 2008 code it was read as beside it.
    expect(r.out).toMatch(/^SBI code\s+62\.10\.0 .*\(SBI 2025, subclass\)$/m);
    expect(r.out).toMatch(/^SBI 2008\s+62\.01 /m);
  }, 120_000); // the first lookup builds the enricher from the bundled snapshot: slow on a loaded machine

  it('puts a space between a long label and its value ("Problem employees")', async () => {
    const r = await lookup('--sbi', '62.01', '--employees', 'veel');
    expect(r.code, r.err).toBe(0);
    const line = r.out.split('\n').find((l) => l.startsWith('Problem employees'));
    expect(line, r.out).toBeDefined();
    expect(line).toMatch(/^Problem employees\s+\S/);
  });

  it('--industry "" says which input is missing instead of printing only the usage (exit 2)', async () => {
    const r = await lookup('--industry', '');
    expect(r.code).toBe(2);
    expect(r.err).toContain('give at least one of --sbi, --industry or --kvk');
    expect(r.err).not.toContain('usage:');
    expect(r.out).toBe('');
  });

  it('postcode 0000, a 400 over HTTP, is exit 2 naming the field', async () => {
    const r = await lookup('--sbi', '62.01', '--postcode', '0000');
    expect(r.code, r.out).toBe(2);
    expect(r.err).toBe('--postcode: not a Dutch postcode: use 1234 AB, 1234AB or 1234');
  });

  it('an unreadable SBI code is exit 2 naming the field', async () => {
    const r = await lookup('--sbi', 'abc');
    expect(r.code, r.out).toBe(2);
    expect(r.err).toMatch(/^--sbi: /);
  });

  it('--json prints only JSON on stdout', async () => {
    const r = await lookup('--industry', 'bakkerij', '--employees', '3', '--json');
    expect(r.code, r.err).toBe(0);
    const parsed = JSON.parse(r.out) as { enrichment: { cbs_sbi_code: string }; card: Record<string, string> };
    expect(parsed.enrichment.cbs_sbi_code, r.out).toMatch(/^10\.7/);
  });

  it('an unknown option is exit 2 with the usage; --help is exit 0', async () => {
    const bad = await lookup('--colour', 'red');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('usage:');
    const help = await lookup('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage:');
  });
});
