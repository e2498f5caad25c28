// compileOperations builds the operation list at once but compiles each ajv
// validator on its first call (start-up time). Here every validator of
// both specs is compiled, with the meta-schema check a start skips, so a
// schema ajv refuses fails the suite instead of a request; and a validator
// compiled late behaves as one compiled early.
import type { OpenAPIV3 } from 'openapi-types';
import { describe, expect, it } from 'vitest';
import { ACCOUNTS_SPEC_FILE, CONTROL_SPEC_FILE, CREDITS_SPEC_FILE, loadSpec } from '../../src/spec/load.js';
import { compileOperations } from '../../src/spec/operations.js';

describe.each([
  ['togai-credits', CREDITS_SPEC_FILE],
  ['togai-accounts', ACCOUNTS_SPEC_FILE],
  ['togai-mock-control', CONTROL_SPEC_FILE],
])('%s', (id, file) => {
  const doc = loadSpec(file);

  it('compiles every validator under strict mode and the JSON Schema meta-schema', () => {
    const compiled = compileOperations(doc, id, { checkSchemas: true });
    let count = 0;
    for (const op of compiled.operations) {
      // The value does not matter: the first call is what compiles.
      for (const validate of [op.pathParams, op.queryParams, op.body?.validate]) {
        if (!validate) continue;
        expect(() => validate({}), op.operationId).not.toThrow();
        count++;
      }
      for (const status of op.responses.keys()) {
        expect(() => op.responses.get(status)!({}), `${op.operationId} ${status}`).not.toThrow();
        count++;
      }
    }
    for (const name of Object.keys(doc.components?.schemas ?? {})) {
      expect(() => compiled.schema(name)(null), name).not.toThrow();
      count++;
    }
    expect(count).toBeGreaterThan(compiled.operations.length);
  });
});

describe('validators compiled on first use', () => {
  it('coerce, refuse and report errors as ajv does', () => {
    const list = compileOperations(loadSpec(CREDITS_SPEC_FILE), 'togai-credits').operations.find(
      (o) => o.operationId === 'listCredits',
    )!;
    const query: Record<string, unknown> = { pageSize: '10' };
    expect(list.queryParams!(query)).toBe(true);
    expect(list.queryParams!.errors).toBeNull();
    expect(query.pageSize).toBe(10); // coerced in place, as the HTTP layer relies on
    expect(list.queryParams!({ pageSize: 'ten' })).toBe(false);
    expect(list.queryParams!.errors![0]).toMatchObject({ instancePath: '/pageSize', keyword: 'type' });
    expect(list.queryParams!({ pageSize: 'Infinity' })).toBe(false);
    expect(list.queryParams!.errors![0]).toMatchObject({
      instancePath: '/pageSize',
      keyword: 'type',
      params: { type: 'integer' },
    });
    expect(list.queryParams!({ pageSize: '5' })).toBe(true);
    expect(list.queryParams!.errors).toBeNull();
  });

  it('leave a schema ajv refuses to the first call, where it throws', () => {
    const doc = {
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
      paths: {
        '/things': {
          post: {
            operationId: 'createThing',
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { type: 'object', notAKeyword: true } } },
            },
            responses: { '204': { description: 'ok' } },
          },
        },
      },
    } as unknown as OpenAPIV3.Document;
    const [op] = compileOperations(doc, 'things').operations;
    expect(op!.operationId).toBe('createThing');
    expect(op!.body!.required).toBe(true);
    expect(() => op!.body!.validate({})).toThrow(/notAKeyword/);
  });
});
