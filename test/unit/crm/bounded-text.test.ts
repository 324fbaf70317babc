import { describe, expect, it } from 'vitest';
import { boundedText } from '../../../src/crm/webhook-event.js';

/**
 * boundedText: what a webhook string may become in a lead field. It protects
 * storage and logs (no control characters, bounded length) and otherwise keeps
 * the CRM's text exactly as typed.
 */

describe('boundedText', () => {
  it('keeps ordinary text as typed, inner spacing and NBSP included', () => {
    expect(boundedText('Bakkerij  De\u00a0Vries B.V.')).toBe('Bakkerij  De\u00a0Vries B.V.');
  });

  it('turns control characters (NUL, tab, newline, DEL) into spaces and trims the ends', () => {
    expect(boundedText('\tAcme\u0000Corp\n')).toBe('Acme Corp');
    expect(boundedText('a\u007fb\r\nc')).toBe('a b  c');
  });

  it('keeps at most max characters (after trimming)', () => {
    expect(boundedText(`  ${'x'.repeat(600)}`)).toHaveLength(500);
    expect(boundedText('  1234 AB  ', 4)).toBe('1234');
  });

  it('is undefined for anything but a non-empty string', () => {
    for (const v of [undefined, null, 42, true, {}, ['a'], '', '   ', '\u0000\n']) expect(boundedText(v)).toBeUndefined();
  });
});
