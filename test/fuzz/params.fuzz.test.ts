// Properties of query strings and path parameters, generated from the
// parameters spec/togai-credits.yaml declares: every valid query of
// listCredits is answered 200 with a page that obeys it (and its nextToken
// works); every query value the spec forbids (NaN-like numbers, out of
// range, unknown enum values, over-long and 10 kB strings, forged or junk
// cursors, repeated parameters) is a 400 naming the parameter; any path
// parameter (odd unicode, encoded slashes, `..`, 10 kB ids, sent encoded or
// half raw) is answered without a 5xx, with a Togai body on every error, and
// no read or failed void changes anything. Seed and size: see config.ts.

import fc from 'fast-check';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_METHODS } from '../../src/spec/load.js';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';
import { FUZZ_TIMEOUT, fcParams } from './config.js';
import { isTogaiError, RawClient } from './http.js';
import { creditsSpec, ODD_STRINGS, schema, validArb } from './spec-arbitraries.js';

let mock: TestMock;
let client: RawClient;
let creditIds: string[] = [];

beforeAll(async () => {
  mock = await startTestMock({ seed: 3 });
  mock.setTime('2025-06-01T12:00:00Z');
  client = new RawClient(mock.url);
  const requests = [];
  for (let i = 0; i < 60; i++) {
    requests.push(
      creditRequest({
        accountId: ['ACC001', 'ACC002', 'a/b', '..'][i % 4],
        effectiveUntil: i % 3 === 0 ? '2025-01-31' : '2026-01-31',
      }),
    );
  }
  const res = await mock.call('POST', '/credits', { body: { creditRequests: requests } });
  expect(res.status).toBe(200);
  creditIds = res.body.credits.map((c: { id: string }) => c.id);
  const voided = await mock.call('POST', `/credits/${creditIds[1]}/void`);
  expect(voided.status).toBe(200);
});
afterAll(() => client.close());

const state = (): string => JSON.stringify(mock.runtime.store.snapshot());

/** Percent-encodes every byte of the UTF-8 form except `keep` (lone surrogates become U+FFFD). */
function encodeBytes(s: string, keep = /[A-Za-z0-9\-_.~]/): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(b);
    out += b < 0x80 && keep.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What the server sees after decoding (lone surrogates were sent as U+FFFD). */
const decoded = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');
const codePoints = (s: string): number => [...s].length;

function operation(operationId: string): { path: string; method: string; params: OpenAPIV3.ParameterObject[] } {
  for (const [path, item] of Object.entries(creditsSpec.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item?.[method];
      if (op?.operationId === operationId) {
        const params = [...(item!.parameters ?? []), ...(op.parameters ?? [])].map((p) =>
          '$ref' in p ? (schemaRef(p.$ref) as OpenAPIV3.ParameterObject) : p,
        );
        return { path, method: method.toUpperCase(), params };
      }
    }
  }
  throw new Error(`no operation ${operationId} in spec`);
}
const schemaRef = (ref: string): unknown =>
  ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], creditsSpec);

const list = operation('listCredits');
const queryParams = list.params.filter((p) => p.in === 'query');
// nextToken is a server-issued cursor: valid values come from the server, not from its schema.
const generatable = queryParams.filter((p) => p.name !== 'nextToken');

/** A string with odd characters, up to 10 kB, or one of the strings that broke things elsewhere. */
const oddString = fc.oneof(
  fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }),
  fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }),
  fc.constantFrom(...ODD_STRINGS.filter((s) => s !== '')),
  fc.integer({ min: 51, max: 10_240 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('a%2Fb', '%2e%2e', '..%2F..', '%', '%ZZ', '%C0%AF', '%FF', 'a?b', 'a#b', 'a;b', ' '),
);

const NAN_LIKE = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '',
  '1.5',
  '0',
  '-1',
  '51',
  'abc',
  '١٠',
  '½',
  'null',
  'true',
  '[]',
  '{}',
];
/** Integers in range, written as only a lenient parser reads them: a strict server answers 400. */
const LOOSE_INTEGERS = ['0x10', '0X0a', '1e1', '1E1', ' 10', '10 ', '+10', '10.0', '1_0', '0b1', '0o7', '\t7', '1.'];
/** What a strict server takes for an integer: an optional minus and digits. */
const STRICT_INTEGER = /^-?\d+$/;

describe('fuzz: listCredits query strings', () => {
  it(
    'answers every valid query 200 with a page that obeys it',
    async () => {
      const before = state();
      const query = fc.record(Object.fromEntries(generatable.map((p) => [p.name, validArb(schema(p.schema!))])), {
        requiredKeys: [],
      });
      await fc.assert(
        fc.asyncProperty(query, fc.boolean(), async (q, knownValues) => {
          // Often aim the filters at data that exists, so pages are not always empty.
          const params = { ...q } as Record<string, unknown>;
          if (knownValues && params.account_id !== undefined) params.account_id = 'ACC001';
          if (knownValues && params.id !== undefined) params.id = creditIds[2];
          const qs = Object.entries(params)
            .map(([k, v]) => `${encodeBytes(k)}=${encodeBytes(String(v))}`)
            .join('&');
          const res = await client.get(`/credits?${qs}`);
          expect(res.status, `${qs}: ${res.text}`).toBe(200);
          const page = res.json as { data: Array<Record<string, unknown>>; nextToken?: string };
          expect(page.data.length).toBeLessThanOrEqual((params.pageSize as number | undefined) ?? 50);
          for (const c of page.data) {
            if (params.status !== undefined) expect(c.status).toBe(params.status);
            if (params.account_id !== undefined) expect(c.accountId).toBe(decoded(String(params.account_id)));
            if (params.id !== undefined) expect(c.id).toBe(decoded(String(params.id)));
          }
          if (page.nextToken !== undefined) {
            const next = await client.get(`/credits?${qs}&nextToken=${encodeURIComponent(page.nextToken)}`);
            expect(next.status, next.text).toBe(200);
          }
        }),
        fcParams(300),
      );
      expect(state()).toBe(before);
    },
    FUZZ_TIMEOUT,
  );

  it(
    'answers every query value the spec forbids 400, naming the parameter',
    async () => {
      const before = state();
      const bad = fc.oneof(
        ...queryParams.map((p) => {
          const s = schema(p.schema!);
          const values: Array<fc.Arbitrary<string>> = [];
          if (s.type === 'integer') {
            values.push(
              fc.constantFrom(
                ...[...NAN_LIKE, ...LOOSE_INTEGERS].filter(
                  (v) =>
                    !(
                      STRICT_INTEGER.test(v) &&
                      Number(v) >= (s.minimum ?? -Infinity) &&
                      Number(v) <= (s.maximum ?? Infinity)
                    ),
                ),
              ),
            );
            values.push(
              fc
                .double({ noNaN: true })
                .filter((n) => !Number.isInteger(n))
                .map(String),
            );
            if (s.maximum !== undefined) values.push(fc.integer({ min: s.maximum + 1 }).map(String));
            if (s.minimum !== undefined) values.push(fc.integer({ max: s.minimum - 1 }).map(String));
          }
          if (s.enum) {
            values.push(
              oddString.filter((v) => !s.enum!.includes(v)),
              fc.constantFrom(...(s.enum as string[]).map((e) => e.toLowerCase())),
            );
          }
          if (s.maxLength !== undefined)
            values.push(fc.integer({ min: s.maxLength + 1, max: 10_240 }).map((n) => 'y'.repeat(n)));
          if (p.name === 'nextToken') {
            // Junk, junk that is base64, and well-formed tokens that lie.
            const b64 = (v: unknown): string =>
              Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
            values.push(
              oddString,
              fc.jsonValue().map(b64),
              fc.constantFrom(
                b64({ lastItemId: 'cred.00000000000.00000', pageSize: 10, sortOrder: 'asc' }),
                b64({ lastItemId: creditIds[0], pageSize: 0, sortOrder: 'asc' }),
                b64({ lastItemId: creditIds[0], pageSize: 51, sortOrder: 'asc' }),
                b64({ lastItemId: creditIds[0], pageSize: 10, sortOrder: 'desc' }),
                b64('{"__proto__":{"lastItemId":"x","pageSize":1,"sortOrder":"asc"}}'),
                // 1e400 is Infinity on purpose: a page size no JSON number can hold.
                // eslint-disable-next-line no-loss-of-precision
                b64({ lastItemId: creditIds[0], pageSize: 1e400, sortOrder: 'asc' }),
              ),
            );
          }
          return fc.oneof(...values).map((v) => ({ name: p.name, values: [v] }));
        }),
        // The same parameter twice: an array where the spec wants one value.
        fc
          .constantFrom(...queryParams)
          .chain((p) =>
            fc
              .tuple(validArb(schema(p.schema!)), validArb(schema(p.schema!)))
              .map(([a, b]) => ({ name: p.name, values: [String(a), String(b)] })),
          ),
      );
      await fc.assert(
        fc.asyncProperty(bad, async ({ name, values }) => {
          const qs = values.map((v) => `${name}=${encodeBytes(v)}`).join('&');
          const res = await client.get(`/credits?${qs}`);
          expect(res.status, `${qs.slice(0, 200)}: ${res.text}`).toBe(400);
          expect(isTogaiError(res), res.text).toBe(true);
          expect((res.json as { message: string }).message).toContain(name);
        }),
        fcParams(1000),
      );
      expect(state()).toBe(before);
    },
    FUZZ_TIMEOUT,
  );
});

describe('fuzz: path parameters', () => {
  const targets = ['getCreditDetails', 'voidCredit', 'CreditBalanceForAccount'].map(operation);

  it(
    'answers any encoded path parameter with the right 2xx/4xx and changes nothing',
    async () => {
      const before = state();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...targets), oddString, async (op, raw) => {
          const p = op.params.find((x) => x.in === 'path')!;
          const s = schema(p.schema!);
          const path = op.path.replace(`{${p.name}}`, encodeBytes(raw));
          fc.pre(path.length < 12_000); // beyond Node's 16 KiB header limit the parser answers 431 (see malformed-http)
          const res = await client.send({ method: op.method, path, headers: { authorization: 'Bearer fuzz' } });
          const tooLong = codePoints(decoded(raw)) > (s.maxLength ?? Infinity);
          if (tooLong) {
            expect(res.status, `${path.slice(0, 120)}: ${res.text}`).toBe(400);
            expect((res.json as { message: string }).message).toContain(p.name);
          } else if (p.name === 'account_id') {
            expect(res.status, res.text).toBe(200);
          } else {
            expect(res.status, `${path.slice(0, 120)}: ${res.text}`).toBe(404);
          }
          if (res.status >= 400) expect(isTogaiError(res), res.text).toBe(true);
        }),
        fcParams(1000),
      );
      expect(state()).toBe(before);
    },
    FUZZ_TIMEOUT,
  );

  it(
    'answers half-raw paths (raw slashes, dots and percent signs) without a 5xx and changes nothing',
    async () => {
      const before = state();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...targets), oddString, async (op, raw) => {
          const p = op.params.find((x) => x.in === 'path')!;
          const path = op.path.replace(`{${p.name}}`, encodeBytes(raw, /[A-Za-z0-9\-_.~/%]/));
          fc.pre(path.length < 12_000);
          const res = await client.send({ method: op.method, path, headers: { authorization: 'Bearer fuzz' } });
          expect([200, 400, 404, 405], `${op.method} ${path.slice(0, 120)}: ${res.text}`).toContain(res.status);
          if (res.status >= 400) expect(isTogaiError(res), res.text).toBe(true);
          if (res.status === 405) expect(res.headers.allow).toBeTruthy();
        }),
        fcParams(1000),
      );
      expect(state()).toBe(before);
      expect((await client.get('/_mock/health')).status).toBe(200);
    },
    FUZZ_TIMEOUT,
  );
});
