import fc from 'fast-check';

/**
 * Generators of hostile input shared by the fuzz suites: the strings attackers
 * and broken integrations actually send (SQL and HTML injection, control and
 * bidi characters, huge numbers, prototype keys), nested JSON, and raw bytes.
 */

export const INJECTIONS = [
  "' OR 1=1 --",
  "'; drop table jobs; --",
  '1; select pg_sleep(5)',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${7*7}',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\u202e\u0644\u0627',
  '😀👩‍👩‍👧‍👦',
  'ＳＢＩ６２０１',
  '62.01\u00a0',
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
  ' ',
  '',
  // What PostgreSQL text/jsonb and URL paths trip over (issue 15): NUL, lone surrogates, dot segments.
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '..',
  '.',
  '../..',
  '%2e%2e',
  'a/b',
];


/** Any string a JSON body can carry, biased towards the nasty ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ minLength: 300, maxLength: 2000 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 10 })).map(([a, b]) => a + b) },
);

/** Ids as an attacker or a broken CRM sends them: dot segments, NUL, lone surrogates, separators, huge numbers. */
export const HOSTILE_IDS = ['..', '.', '../x', '%2e%2e', '\u0000', '1\u0000', '\ud800', '7\udfff', 'a/b', 'a b', 'a#b', 'a?b', 'é', 'x'.repeat(129), '-1', '1.5', '1e21', ' 42 '];
export const hostileId: fc.Arbitrary<string | number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_IDS) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.nat() },
  { weight: 1, arbitrary: hostileNumberLike() },
);

function hostileNumberLike(): fc.Arbitrary<number> {
  return fc.constantFrom(-1, 1.5, 1e21, 2 ** 53 + 2, Number.MAX_VALUE);
}

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(-1, 0, 2 ** 53, Number.MAX_VALUE, -Number.MAX_VALUE, 1e21, 0.5),
);

/** JSON values (parsed form) with hostile leaves. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'type', 'lead', 'meta', 'data', 'id')), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** `[[[[…]]]]` deep enough to hurt a recursive parser or validator. */
export const deepNesting: fc.Arbitrary<string> = fc
  .integer({ min: 500, max: 20_000 })
  .chain((depth) => fc.constantFrom('[', '{"a":').map((open) => open.repeat(depth) + (open === '[' ? ']'.repeat(depth) : `1${'}'.repeat(depth)}`)));

/** Raw request bodies: empty, broken JSON, bytes, JSON of the wrong shape, deep nesting. */
export const hostileBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constant(''),
  fc.constantFrom('{', '[', 'null', 'true', '0', '""', '{"type":', '[{]', '{"a":1}{"b":2}', '\ufeff{}', 'undefined', "{'a':1}"),
  hostileString,
  hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
  deepNesting,
  fc.uint8Array({ maxLength: 200 }),
);

/** Header values a fetch Headers object accepts (ByteString without CR, LF, NUL). */
export const hostileHeaderValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'v1,', 'v1,AAAA', 'v1a,xyz', 'Basic', 'Basic !!!', 'Bearer x', '0', '-1', '99999999999999999999', 'NaN', "' OR 1=1 --", '<script>'),
  fc.string({ maxLength: 60, unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)) }),
);

export const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
  'application/json; charset=latin1',
);
