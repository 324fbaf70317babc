import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pgJson, pgJsonText, pgText } from '../../../src/db/pg-text.js';

/** What PostgreSQL text and jsonb refuse (U+0000, lone surrogate escapes) never leaves pg-text.ts; nothing else changes. */

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('pgText and pgJsonText', () => {
  it('drop U+0000 and replace lone surrogates, in values and keys, at any depth', () => {
    const value = { 'a\u0000b': ['x\u0000', { deep: '\ud800y', pair: '😀' }], n: 1 };
    const text = pgJsonText(value);
    expect(text).not.toMatch(/\\u0000|\\ud[89a-f]/i);
    expect(JSON.parse(text)).toEqual({ ab: ['x', { deep: '\ufffdy', pair: '😀' }], n: 1 });
    expect(pgText('a\u0000\udc00b')).toBe('a\ufffdb');
  });

  it('leaves an escaped backslash followed by the text u0000 alone', () => {
    const literal = 'C:\\u0000 and \\\\u0000';
    expect(JSON.parse(pgJsonText({ literal })).literal).toBe(literal);
    expect(pgJson({ literal })).toEqual({ literal });
  });

  it('for any JSON value: valid JSON, nothing PostgreSQL refuses, clean strings unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 20 }), (value, s) => {
        const doc = { value, s, [s]: s };
        const text = pgJsonText(doc);
        const back = JSON.parse(text);
        const all = JSON.stringify(back);
        expect(all.includes('\\u0000')).toBe(false);
        expect(LONE.test(text)).toBe(false);
        expect(/(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/i.test(text)).toBe(false);
        if (!s.includes('\u0000') && !LONE.test(s)) expect(back.s).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});
