// The validators the build generates ahead of time (src/spec/build.ts,
// precompiled.ts) behave exactly as the ones operations.ts compiles at run
// time: same verdict, same errors, same coercion, over generated near-valid
// and invalid inputs for every path, query and body schema and every
// component schema of both specs.
// They are used only while their stamp matches the YAML and the installed ajv.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { PRECOMPILED_KINDS, writeValidators } from '../../src/spec/build.js';
import {
  ACCOUNTS_SPEC_FILE,
  CONTROL_SPEC_FILE,
  CREDITS_SPEC_FILE,
  loadSpec,
  resolvePointer,
} from '../../src/spec/load.js';
import { compileOperations, componentExport, type CompiledOperation } from '../../src/spec/operations.js';
import { precompiledValidators, validatorsFile } from '../../src/spec/precompiled.js';

// Inside the repository: the generated code requires ajv's runtime helpers from node_modules.
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
mkdirSync(artifacts, { recursive: true });
const out = mkdtempSync(join(artifacts, 'validators-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const written = writeValidators(out);

type Json = Record<string, unknown>;

const junk = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.constantFrom(
    '10',
    '-1',
    '1.5',
    'Infinity',
    '1e999',
    'true',
    '',
    '2024-01-01',
    '2024-13-01',
    '2024-01-01T00:00:00Z',
    'a'.repeat(300),
  ),
  fc.constantFrom('0x10', '1e1', ' 10', '+10', '10.0', '010', '-0'),
);

/** Values around a schema: mostly of its shape, often slightly or wholly wrong. */
function near(doc: unknown, id: string, schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  let s = schema as Json;
  for (let hops = 0; typeof s?.$ref === 'string' && hops < 20; hops++) {
    const ref = s.$ref as string;
    s = resolvePointer(doc, ref.startsWith(id) ? ref.slice(id.length) : ref) as Json;
  }
  if (!s || typeof s !== 'object' || depth > 4) return junk;
  const options: Array<fc.Arbitrary<unknown>> = [junk];
  if (Array.isArray(s.enum)) options.push(fc.constantFrom(...(s.enum as unknown[])));
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    if (Array.isArray(s[key])) options.push(...(s[key] as unknown[]).map((b) => near(doc, id, b, depth + 1)));
  }
  if (s.type === 'object' || s.properties) {
    const props = (s.properties ?? {}) as Json;
    const entries = Object.entries(props).map(([k, v]) => [k, near(doc, id, v, depth + 1)] as const);
    const record = fc.record(Object.fromEntries(entries), { requiredKeys: [] });
    options.push(
      record,
      record,
      fc.tuple(record, fc.string({ maxLength: 5 }), junk).map(([r, k, v]) => ({ ...r, [k]: v })),
    );
    const required = (s.required ?? []) as string[];
    if (required.length > 0) {
      options.push(fc.record(Object.fromEntries(entries.filter(([k]) => required.includes(k)))));
    }
  }
  if (s.type === 'array' || s.items) options.push(fc.array(near(doc, id, s.items ?? {}, depth + 1), { maxLength: 3 }));
  if (s.type === 'string') options.push(fc.string({ maxLength: 12 }));
  if (s.type === 'integer' || s.type === 'number')
    options.push(fc.integer({ min: -5, max: 120 }), fc.double(), fc.integer().map(String));
  if (s.type === 'boolean') options.push(fc.boolean(), fc.constantFrom('true', 'false'));
  return fc.oneof(...options);
}

const validatorsOf = (op: CompiledOperation) =>
  [
    ['path', op.pathParams],
    ['query', op.queryParams],
    ['body', op.body?.validate],
  ] as const;

describe.each([
  ['togai-credits', CREDITS_SPEC_FILE],
  ['togai-accounts', ACCOUNTS_SPEC_FILE],
  ['togai-mock-control', CONTROL_SPEC_FILE],
])('%s', (id, file) => {
  const doc = loadSpec(file);
  const precompiled = precompiledValidators(file, out);
  const compiled = compileOperations(doc, id);
  const componentNames = Object.keys(doc.components?.schemas ?? {});

  /** Asserts the two validators agree on values around `schema`; counts verdicts. */
  const agree = (
    validate: ValidateFunction,
    reference: ValidateFunction,
    schema: unknown,
    verdicts: Record<string, number>,
  ): void => {
    fc.assert(
      fc.property(near(doc, id, schema), (value) => {
        const a = structuredClone(value);
        const b = structuredClone(value);
        const verdict = validate(a);
        verdicts[`${verdict}`]!++;
        expect(verdict).toBe(reference(b));
        expect(validate.errors).toEqual(reference.errors);
        expect(a).toEqual(b); // the same coercion
      }),
      { numRuns: 150 },
    );
  };

  it('has every request validator and component schema generated, stamped as fresh', () => {
    expect(written).toEqual(expect.arrayContaining(PRECOMPILED_KINDS.map((kind) => validatorsFile(file, kind, out))));
    for (const [name, s] of compiled.requestSchemas) {
      expect(typeof precompiled.get(s.coerce ? 'coercing' : 'strict')?.[name], name).toBe('function');
    }
    for (const name of componentNames)
      expect(typeof precompiled.get('components')?.[componentExport(name)], name).toBe('function');
  });

  it('behaves as the validators compiled at run time', () => {
    expect(precompiled.get('coercing')).toBeDefined();
    expect(precompiled.get('strict')).toBeDefined();
    const ahead = compileOperations(doc, id, { precompiled });
    const late = compileOperations(doc, id);
    let checked = 0;
    const verdicts: Record<string, number> = { true: 0, false: 0 };
    ahead.operations.forEach((op, i) => {
      const other = late.operations[i]!;
      expect(other.operationId).toBe(op.operationId);
      for (const [where, validate] of validatorsOf(op)) {
        if (!validate) continue;
        const reference = validatorsOf(other).find(([w]) => w === where)![1]!;
        agree(validate, reference, compiled.requestSchemas.get(`${op.operationId}.${where}`)!.schema, verdicts);
        checked++;
      }
    });
    expect(checked).toBe(compiled.requestSchemas.size);
    // The inputs were both accepted and refused, plenty of each.
    expect(verdicts.true).toBeGreaterThan(checked * 10);
    expect(verdicts.false).toBeGreaterThan(checked * 10);
  });

  it('has component schema validators that behave as the ones compiled at run time', () => {
    expect(precompiled.get('components')).toBeDefined();
    const ahead = compileOperations(doc, id, { precompiled });
    const verdicts: Record<string, number> = { true: 0, false: 0 };
    for (const name of componentNames) {
      agree(ahead.schema(name), compiled.schema(name), { $ref: `#/components/schemas/${name}` }, verdicts);
    }
    expect(verdicts.true).toBeGreaterThan(componentNames.length * 5);
    expect(verdicts.false).toBeGreaterThan(componentNames.length * 5);
  });
});

describe('integer parameters, precompiled or compiled at run time', () => {
  const cases = [
    [CREDITS_SPEC_FILE, 'togai-credits', 'listCredits', 'pageSize'],
    [ACCOUNTS_SPEC_FILE, 'togai-accounts', 'getEvents', 'pageSize'],
    [CONTROL_SPEC_FILE, 'togai-mock-control', 'listRequests', 'limit'],
    [CONTROL_SPEC_FILE, 'togai-mock-control', 'listAccounts', 'offset'],
  ] as const;

  it.each(cases)('%s %s: %s takes only an optional minus and digits', (file, id, operationId, name) => {
    const doc = loadSpec(file);
    const find = (ops: CompiledOperation[]) => ops.find((o) => o.operationId === operationId)!.queryParams!;
    const precompiled = precompiledValidators(file, out);
    expect(precompiled.get('coercing')?.[`${operationId}.query`], 'a generated validator to test').toBeDefined();
    for (const validate of [
      find(compileOperations(doc, id, { precompiled }).operations),
      find(compileOperations(doc, id).operations),
    ]) {
      for (const loose of ['0x10', '1e1', ' 10', '10 ', '+10', '10.0', '1.', '']) {
        expect(validate({ [name]: loose }), JSON.stringify(loose)).toBe(false);
        expect(validate.errors![0]).toMatchObject({
          instancePath: `/${name}`,
          keyword: 'type',
          params: { type: 'integer' },
        });
      }
      const query: Record<string, unknown> = { [name]: '10' };
      expect(validate(query)).toBe(true);
      expect(query[name]).toBe(10);
      const zeros: Record<string, unknown> = { [name]: '010' };
      expect(validate(zeros)).toBe(true);
      expect(zeros[name]).toBe(10);
    }
  });
});

describe('a generated module', () => {
  it('is ignored when its stamp does not match (then validators are compiled at run time)', () => {
    const stale = mkdtempSync(join(out, 'stale-'));
    const source = readFileSync(validatorsFile(CREDITS_SPEC_FILE, 'coercing', out), 'utf8');
    writeFileSync(
      validatorsFile(CREDITS_SPEC_FILE, 'coercing', stale),
      source.replace(/"sourceSha256":"[0-9a-f]+"/, `"sourceSha256":"${'0'.repeat(64)}"`),
    );
    const precompiled = precompiledValidators(CREDITS_SPEC_FILE, stale);
    expect(precompiled.get('coercing')).toBeUndefined();
    expect(precompiled.get('strict')).toBeUndefined(); // not there at all
    const list = compileOperations(loadSpec(CREDITS_SPEC_FILE), 'togai-credits', { precompiled }).operations.find(
      (o) => o.operationId === 'listCredits',
    )!;
    const query: Record<string, unknown> = { pageSize: '7' };
    expect(list.queryParams!(query)).toBe(true);
    expect(query.pageSize).toBe(7);
  });
});
