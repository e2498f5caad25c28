// Independent conformance: replays a recorded client session
// (fixtures/credits-scenario.json) against a running mock and has Stoplight
// Prism, a second implementation of OpenAPI validation, judge every response
// of the Credits API against spec/togai-credits.yaml. The mock's own ajv
// self-check is switched off here so that only Prism decides.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import prismHttp from '@stoplight/prism-http';
import prismRouter from '@stoplight/prism-http/dist/router/index.js';
import prismValidator from '@stoplight/prism-http/dist/validator/index.js';
import type { IHttpOperation } from '@stoplight/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTogaiMock, type TogaiMock } from '../../src/index.js';

interface Step {
  setTime?: string;
  method?: string;
  path?: string;
  status?: number;
  body?: unknown;
  token?: string | null;
  capture?: Record<string, string>;
}

const SPEC = fileURLToPath(new URL('../../spec/togai-credits.yaml', import.meta.url));
const scenario = JSON.parse(readFileSync(new URL('./fixtures/credits-scenario.json', import.meta.url), 'utf8')) as {
  token: string;
  steps: Step[];
};

// Prism's packages are CommonJS: the default import is module.exports under
// Node, but already its `default` under vitest's interop; accept both.
type Either<T> =
  { _tag: 'Left'; left: Array<{ message: string; severity: number; path?: string[] }> } | { _tag: 'Right'; right: T };
type RouteFn = (o: { resources: IHttpOperation[]; input: unknown }) => Either<IHttpOperation>;
const routerModule = prismRouter as unknown as RouteFn | { default: RouteFn };
const route: RouteFn = typeof routerModule === 'function' ? routerModule : routerModule.default;
const validateOutput = (
  prismValidator as unknown as {
    validateOutput: (o: {
      resource: IHttpOperation;
      element: { statusCode: number; headers: Record<string, string>; body: unknown };
    }) => Either<unknown>;
  }
).validateOutput;

const dig = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

let mock: TogaiMock;
let operations: IHttpOperation[];

beforeAll(async () => {
  operations = await prismHttp.getHttpOperationsFromSpec(SPEC);
  mock = await startTogaiMock({ validateResponses: false });
});
afterAll(async () => {
  await mock?.close();
});

describe('Prism agrees that the mock conforms to spec/togai-credits.yaml', () => {
  it("every Credits API response of the recorded scenario passes Prism's output validator", async () => {
    const vars: Record<string, string> = {};
    const fill = (s: string) =>
      s.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
        const v = vars[name];
        if (v === undefined) throw new Error(`scenario uses {{${name}}} before capturing it`);
        return encodeURIComponent(v);
      });
    const checked: string[] = [];
    const problems: string[] = [];
    for (const step of scenario.steps) {
      if (step.setTime) {
        await mock.runtime.engine.execute({ type: 'clockSet', tenant: 'shared', now: Date.parse(step.setTime) });
        continue;
      }
      const path = fill(step.path!);
      const token = step.token === undefined ? scenario.token : step.token;
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (step.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${mock.url}${path}`, {
        method: step.method!,
        headers,
        ...(step.body === undefined ? {} : { body: JSON.stringify(step.body) }),
      });
      const text = await res.text();
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      const label = `${step.method} ${path} -> ${res.status}`;
      expect(res.status, `${label}: ${text}`).toBe(step.status);
      for (const [name, at] of Object.entries(step.capture ?? {})) {
        const v = dig(body, at);
        expect(typeof v, `${label}: capture ${name} from ${at}`).toBe('string');
        vars[name] = v as string;
      }
      if (path.startsWith('/_mock/')) continue; // the control API is not part of Togai's spec

      const url = new URL(path, 'http://mock');
      const routed = route({
        resources: operations,
        input: { method: step.method!.toLowerCase(), url: { path: url.pathname, baseUrl: 'http://127.0.0.1:4010' } },
      });
      if (routed._tag === 'Left') {
        problems.push(`${label}: Prism found no operation (${routed.left.map((d) => d.message).join('; ')})`);
        continue;
      }
      const verdict = validateOutput({
        resource: routed.right,
        element: {
          statusCode: res.status,
          headers: Object.fromEntries(res.headers.entries()),
          body,
        },
      });
      if (verdict._tag === 'Left') {
        const errors = verdict.left.filter((d) => d.severity === 0);
        if (errors.length > 0) {
          problems.push(
            `${label} (${routed.right.iid}): ${errors.map((d) => `${(d.path ?? []).join('.')}: ${d.message}`).join('; ')}`,
          );
        }
      }
      checked.push(`${routed.right.iid} ${res.status}`);
    }
    expect(problems).toEqual([]);
    // The scenario reaches every operation, with success and error statuses.
    expect(new Set(checked.map((c) => c.split(' ')[0]))).toEqual(
      new Set(['createCredit', 'listCredits', 'getCreditDetails', 'voidCredit', 'CreditBalanceForAccount']),
    );
    expect(new Set(checked.map((c) => c.split(' ')[1]))).toEqual(new Set(['200', '400', '401', '404']));
  });

  it('Prism is not a rubber stamp: it rejects a response the spec does not allow', () => {
    const op = operations.find((o) => o.iid === 'CreditBalanceForAccount')!;
    const verdict = validateOutput({
      resource: op,
      // The same content type the mock sends, so the check above is not skipped for it.
      element: {
        statusCode: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: { activeCredits: '1000' },
      },
    });
    expect(verdict._tag).toBe('Left');
    const extra = validateOutput({
      resource: operations.find((o) => o.iid === 'voidCredit')!,
      element: {
        statusCode: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: {
          accountId: 'A',
          purpose: 'P',
          effectiveFrom: '2025-01-01',
          priority: 1,
          id: 'cred.x',
          customerId: 'A',
          status: 'VOIDED',
          createdAt: '2025-01-01T00:00:00.000Z',
          loyaltyTier: 'GOLD',
        },
      },
    });
    expect(extra._tag).toBe('Left');
  });
});
