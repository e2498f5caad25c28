// fast-check arbitraries derived from spec/togai-credits.yaml: valid values
// of a schema, and invalid mutations of them. The generator reads the
// schema's keywords (type, properties, required, additionalProperties,
// items, uniqueItems, min/maxItems, min/maxLength, minimum/maximum, enum,
// format) and refuses any keyword it does not understand, so a constraint
// added to the spec cannot be silently ignored by the fuzzer.
//
// Only the two grant rules that a schema cannot express (the ledger's rules:
// creditAmount not negative, effectiveUntil not before effectiveFrom) are
// written here by hand.

import fc from 'fast-check';
import type { OpenAPIV3 } from 'openapi-types';
import { CREDITS_SPEC_FILE, isRef, loadSpec, resolvePointer } from '../../src/spec/load.js';

export const creditsSpec = loadSpec(CREDITS_SPEC_FILE);

type Schema = OpenAPIV3.SchemaObject;

/** Follows $refs (also refs into other schemas' properties) to a schema object. */
export function schema(refOrSchema: Schema | OpenAPIV3.ReferenceObject | string): Schema {
  let node: unknown = typeof refOrSchema === 'string' ? { $ref: refOrSchema } : refOrSchema;
  for (let hops = 0; isRef(node); hops++) {
    if (hops > 20) throw new Error('reference loop');
    node = resolvePointer(creditsSpec, node.$ref);
  }
  return node as Schema;
}

const UNDERSTOOD = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'uniqueItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'enum',
  'format',
  'default',
  'description',
  'example',
]);

function assertUnderstood(s: Schema): void {
  for (const k of Object.keys(s)) {
    if (!UNDERSTOOD.has(k)) throw new Error(`fuzz generator does not understand schema keyword "${k}"; teach it`);
  }
}

// ------------------------------------------------------------------ values

/** Marks a JSON fragment to be written verbatim (numbers JSON.stringify cannot write, e.g. 1e400). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written with repeated keys, which JSON.parse would silently collapse. */
export class DuplicateKeys {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

/** Writes a generated value as JSON text, honouring RawJson and DuplicateKeys. */
export function toJsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (v instanceof DuplicateKeys)
    return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${toJsonText((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** An object without a prototype, so a "__proto__" key is an ordinary own key. */
export function bareObject(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const o = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of entries) o[k] = v;
  return o;
}

/** Strings that have broken parsers, routers and maps elsewhere. */
export const ODD_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '../..',
  '..',
  'a/b',
  '%2F',
  '%00',
  '\u0000',
  'null',
  'undefined',
  'NaN',
  '\u202Eevil\u202C',
  '\uFEFFbom',
  'e\u0301',
  '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}',
  '\uD800',
  '\uDC00x',
  '𝕏'.repeat(100),
  'x'.repeat(10_000),
  "'; DROP TABLE credits; --",
  '<script>alert(1)</script>',
];

const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Real calendar dates, years 0000-9999 (the full range of RFC 3339 full-date). */
export const calendarDate: fc.Arbitrary<string> = fc
  .record({
    y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1990, max: 2040 })),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
  })
  .map(({ y, m, d }) => `${pad(y, 4)}-${pad(m, 2)}-${pad(Math.min(d, daysIn(y, m)), 2)}`);

/** Strings that look like dates but name no calendar day, or are not in YYYY-MM-DD form. */
export const notACalendarDate: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '2023-02-30',
    '2023-02-29',
    '2100-02-29',
    '2023-04-31',
    '2023-13-01',
    '2023-00-10',
    '2023-01-00',
    '2023-01-32',
    '2023-1-01',
    '23-01-01',
    '2023/01/01',
    '20230101',
    '2023-01-01T00:00:00Z',
    '2023-01-01 ',
    ' 2023-01-01',
    '',
    '\uFF12\uFF10\uFF12\uFF13-01-01',
    '2023-01-01\u0000',
    '+02023-01-01',
    '-2023-01-01',
    'NaN',
    'Invalid Date',
    'today',
  ),
  // A real year and month with a day past its end.
  fc
    .record({
      y: fc.integer({ min: 0, max: 9999 }),
      m: fc.integer({ min: 1, max: 12 }),
      extra: fc.integer({ min: 1, max: 68 }),
    })
    .map(({ y, m, extra }) => `${pad(y, 4)}-${pad(m, 2)}-${pad(daysIn(y, m) + extra, 2)}`),
);

const isoDateTime = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

function stringArb(s: Schema): fc.Arbitrary<string> {
  if (s.enum) return fc.constantFrom(...(s.enum as string[]));
  if (s.format === 'date') return calendarDate;
  if (s.format === 'date-time') return isoDateTime;
  if (s.format !== undefined) throw new Error(`fuzz generator does not know format ${s.format}`);
  const minLength = s.minLength ?? 0;
  const maxLength = s.maxLength ?? 60;
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.string({ minLength, maxLength, unit: 'grapheme' }) },
      { weight: 2, arbitrary: fc.string({ minLength, maxLength, unit: 'binary' }) },
      { weight: 1, arbitrary: fc.constantFrom(...ODD_STRINGS) },
    )
    .filter((x) => [...x].length >= minLength && [...x].length <= (s.maxLength ?? Infinity));
}

function integerArb(s: Schema): fc.Arbitrary<number> {
  const min = s.minimum ?? Number.MIN_SAFE_INTEGER;
  const max = s.maximum ?? Number.MAX_SAFE_INTEGER;
  const edges = [min, max, 0, 1, -1, 1e20, -1e300].filter((n) => n >= min && n <= max);
  return fc.oneof(
    fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }),
    fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }),
    fc.constantFrom(...edges),
  );
}

function numberArb(s: Schema): fc.Arbitrary<number> {
  const bounds = {
    ...(s.minimum === undefined ? {} : { min: s.minimum }),
    ...(s.maximum === undefined ? {} : { max: s.maximum }),
  };
  return fc
    .oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, ...bounds }),
      fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 100),
      fc.constantFrom(0, 0.1, 5e-324, 1e-300, 1e300, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER),
    )
    .filter((n) => (s.minimum === undefined || n >= s.minimum) && (s.maximum === undefined || n <= s.maximum));
}

/** Valid values of a schema. `cap` bounds arrays the spec leaves unbounded. */
export function validArb(s0: Schema | OpenAPIV3.ReferenceObject, cap = 6): fc.Arbitrary<unknown> {
  const s = schema(s0);
  assertUnderstood(s);
  switch (s.type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return integerArb(s);
    case 'number':
      return numberArb(s);
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = validArb((s as OpenAPIV3.ArraySchemaObject).items, cap);
      const c = { minLength: s.minItems ?? 0, maxLength: s.maxItems ?? Math.max(cap, s.minItems ?? 0) };
      return s.uniqueItems ? fc.uniqueArray(items, { ...c, selector: (v) => JSON.stringify(v) }) : fc.array(items, c);
    }
    case 'object': {
      const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, validArb(v, cap)]));
      return fc.record(props, { requiredKeys: s.required ?? [] });
    }
    default:
      throw new Error(`fuzz generator does not know type ${String(s.type)}`);
  }
}

// ------------------------------------------------------------ credit requests

export const creditRequestSchema = schema('#/components/schemas/CreditRequest');
export const createCreditRequestSchema = schema('#/components/schemas/CreateCreditRequest');

export type Req = Record<string, unknown>;

/** The grant rules the ledger adds to the schema (a schema cannot compare two fields). */
function obeyGrantRules(r: Req): Req {
  const out = { ...r };
  if (typeof out.creditAmount === 'number' && out.creditAmount < 0) out.creditAmount = -out.creditAmount;
  if (typeof out.effectiveUntil === 'string' && (out.effectiveUntil as string) < (out.effectiveFrom as string)) {
    [out.effectiveFrom, out.effectiveUntil] = [out.effectiveUntil, out.effectiveFrom];
  }
  return out;
}

/** A few account ids and idempotency keys recur, so idempotency and per-account state get exercised. */
const recurring = <T>(arb: fc.Arbitrary<T>, few: T[]): fc.Arbitrary<T> =>
  fc.oneof({ weight: 3, arbitrary: arb }, { weight: 1, arbitrary: fc.constantFrom(...few) });

export const validCreditRequest: fc.Arbitrary<Req> = (() => {
  const base = validArb(creditRequestSchema) as fc.Arbitrary<Req>;
  return fc
    .tuple(base, recurring(fc.constant(undefined), ['ACC001', 'ACC002', '__proto__']), fc.boolean())
    .map(([r, account, recurKey]) => {
      const out = { ...r };
      if (account !== undefined) out.accountId = account;
      if (recurKey && out.idempotencyKey !== undefined) out.idempotencyKey = 'same-key';
      return obeyGrantRules(out);
    });
})();

export const validBatch: fc.Arbitrary<{ creditRequests: Req[] }> = fc
  .array(validCreditRequest, {
    minLength: schema(createCreditRequestSchema.properties!.creditRequests!).minItems ?? 1,
    maxLength: 5,
  })
  .map((creditRequests) => ({ creditRequests }));

// --------------------------------------------------------------- mutations

/** Values nested `depth` levels deep, built without recursion. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): RawJson {
  return new RawJson(
    kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );
}

const NAN_LIKE = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '0x1A',
  '1_000',
  ' 1',
  '1 ',
  '',
  '١٠',
  '½',
  'true',
  'null',
  '0',
  '1',
];

/** JSON values whose JSON type is not the schema's type. */
export function wrongType(s: Schema): fc.Arbitrary<unknown> {
  const t = s.type;
  const options: Array<fc.Arbitrary<unknown>> = [fc.constant(null)];
  if (t !== 'boolean') options.push(fc.boolean());
  if (t === 'integer') {
    options.push(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)));
    options.push(fc.constantFrom(0.5, 1e-7, -1.5, 5e-324));
  }
  if (t !== 'number' && t !== 'integer')
    options.push(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })));
  // Numbers JSON.stringify cannot write: they parse to +/-Infinity.
  if (t === 'number' || t === 'integer') options.push(fc.constantFrom(new RawJson('1e400'), new RawJson('-1e400')));
  if (t !== 'string') options.push(fc.oneof(fc.constantFrom(...NAN_LIKE), fc.string({ maxLength: 20 })));
  if (t !== 'array') options.push(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.constant([]));
  if (t !== 'object')
    options.push(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.constant({}),
    );
  if (t !== 'array' && t !== 'object') {
    options.push(
      fc
        .integer({ min: 1, max: 20_000 })
        .chain((depth) => fc.constantFrom(deeplyNested(depth, 'array'), deeplyNested(depth, 'object'))),
    );
  }
  return fc.oneof(...options);
}

/** Values of the right JSON type that break one of the schema's other keywords (none when it has none). */
function brokenConstraint(s: Schema): Array<fc.Arbitrary<unknown>> {
  const out: Array<fc.Arbitrary<unknown>> = [];
  if (s.type === 'string') {
    if (s.format === 'date') out.push(notACalendarDate);
    if (s.format === 'date-time') out.push(fc.constantFrom('2023-02-30T00:00:00Z', '2023-01-01', 'yesterday'));
    if (s.enum)
      out.push(
        fc.string({ maxLength: 12 }).filter((x) => !s.enum!.includes(x)),
        fc.constantFrom(...(s.enum as string[]).map((e) => e.toLowerCase())),
      );
    if (s.maxLength !== undefined)
      out.push(fc.integer({ min: s.maxLength + 1, max: 10_240 }).map((n) => 'x'.repeat(n)));
    if (s.minLength !== undefined && s.minLength > 0) out.push(fc.constant(''));
  }
  if (s.type === 'integer' || s.type === 'number') {
    if (s.minimum !== undefined) out.push(fc.constant(s.minimum - 1));
    if (s.maximum !== undefined) out.push(fc.constant(s.maximum + 1));
  }
  return out;
}

export interface Mutated {
  body: unknown;
  /** What was done, for the failure report. */
  what: string;
  /** The field path the error message must name, when it is known. */
  names?: string;
}

/** Mutations of one credit request (at index i of the batch) that the spec or the grant rules forbid. */
function mutateRequest(r: Req, i: number): fc.Arbitrary<Mutated> {
  const s = creditRequestSchema;
  const props = Object.keys(s.properties ?? {});
  const at = `creditRequests[${i}]`;
  const with_ = (k: string, v: unknown): Req => bareObject([...Object.entries(r).filter(([x]) => x !== k), [k, v]]);
  const options: Array<fc.Arbitrary<Mutated>> = [];
  // A required field missing.
  options.push(
    fc.constantFrom(...(s.required ?? [])).map((k) => ({
      body: bareObject(Object.entries(r).filter(([x]) => x !== k)),
      what: `${at} without required ${k}`,
      names: `${at}.${k}`,
    })),
  );
  // A field the schema does not allow (additionalProperties: false).
  if (s.additionalProperties === false) {
    const extraName = fc
      .oneof(
        fc.constantFrom(
          '__proto__',
          'constructor',
          'prototype',
          'toString',
          'id',
          'status',
          'customerId',
          'creditUnit',
        ),
        fc.constantFrom(...props).map((p) => p[0]!.toUpperCase() + p.slice(1)),
        fc.constantFrom(...props).map((p) => `${p} `),
        fc.string({ minLength: 1, maxLength: 30 }),
      )
      .filter((k) => !props.includes(k));
    options.push(
      fc.tuple(extraName, fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({
        body: with_(k, v),
        what: `${at} with extra field ${JSON.stringify(k)}`,
        names: at,
      })),
    );
  }
  // One field with a value the schema forbids.
  for (const k of props) {
    const ps = schema(s.properties![k]!);
    const bad = [wrongType(ps), ...brokenConstraint(ps)];
    if (ps.type === 'array') {
      const items = schema((ps as OpenAPIV3.ArraySchemaObject).items);
      bad.push(wrongType(items).map((v) => [v]));
      if (ps.uniqueItems) bad.push(validArb(items).map((v) => [v, v]));
    }
    options.push(
      fc.oneof(...bad).map((v) => ({ body: with_(k, v), what: `${at}.${k} = ${clipped(v)}`, names: `${at}.${k}` })),
    );
  }
  // A field written twice: JSON.parse would keep the last one silently.
  options.push(
    fc.constantFrom(...Object.keys(r)).map((k) => ({
      body: new DuplicateKeys([...Object.entries(r), [k, r[k]]]),
      what: `${at} with ${k} written twice`,
      names: at,
    })),
  );
  // The grant rules.
  options.push(
    fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }).map((v) => ({
      body: with_('creditAmount', v),
      what: `${at}.creditAmount = ${v}`,
      names: `${at}.creditAmount`,
    })),
  );
  options.push(
    fc
      .tuple(calendarDate, fc.integer({ min: 1, max: 3650 }))
      .map(([from, days]) => {
        const until = new Date(Date.parse(`${from}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
        return {
          body: bareObject([...Object.entries(r), ['effectiveFrom', from], ['effectiveUntil', until]]),
          what: `${at} effectiveUntil ${until} before effectiveFrom ${from}`,
          names: `${at}.effectiveUntil`,
        };
      })
      .filter((m) => !String((m.body as Req).effectiveUntil).startsWith('-')),
  );
  return fc.oneof(...options);
}

function clipped(v: unknown): string {
  const t = toJsonText(v);
  return t.length > 60 ? `${t.slice(0, 60)}...(${t.length} chars)` : t;
}

/** Whole bodies the CreateCreditRequest schema rejects. */
const brokenRoot: fc.Arbitrary<Mutated> = fc.oneof(
  wrongType(createCreditRequestSchema).map((v) => ({ body: v, what: `body = ${clipped(v)}` })),
  fc.constant({ body: {}, what: 'body without creditRequests', names: 'creditRequests' }),
  fc.constant({ body: { creditRequests: [] }, what: 'empty creditRequests', names: 'creditRequests' }),
  wrongType(schema(createCreditRequestSchema.properties!.creditRequests!)).map((v) => ({
    body: { creditRequests: v },
    what: `creditRequests = ${clipped(v)}`,
    names: 'creditRequests',
  })),
  wrongType(creditRequestSchema).map((v) => ({
    body: { creditRequests: [v] },
    what: `creditRequests[0] = ${clipped(v)}`,
    names: 'creditRequests[0]',
  })),
);

/** A valid batch with exactly one thing wrong (somewhere in it), or a broken body. */
export const invalidBatch: fc.Arbitrary<Mutated> = fc.oneof(
  { weight: 1, arbitrary: brokenRoot },
  {
    weight: 6,
    arbitrary: validBatch.chain(({ creditRequests }) =>
      fc.integer({ min: 0, max: creditRequests.length - 1 }).chain((i) =>
        mutateRequest(creditRequests[i]!, i).map((m) => ({
          ...m,
          body: { creditRequests: creditRequests.map((r, j) => (j === i ? m.body : r)) },
        })),
      ),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(validBatch, fc.constantFrom('__proto__', 'constructor', 'extra')).map(([b, k]) => ({
      body: bareObject([...Object.entries(b), [k, { creditRequests: [] }]]),
      what: `root with extra field ${k}`,
      names: k,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(validBatch, validBatch).map(([a, b]) => ({
      body: new DuplicateKeys([
        ['creditRequests', a.creditRequests],
        ['creditRequests', b.creditRequests],
      ]),
      what: 'creditRequests written twice',
    })),
  },
);
