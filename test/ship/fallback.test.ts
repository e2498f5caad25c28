// --fallback-spec: routes that are not ours answer from a user's OpenAPI
// document through Prism (examples, request validation, Togai-style errors),
// while the Credits operations stay stateful. Uses a small fixture spec of
// our own (test/fixtures/togai-extra.yaml), never Togai's full document.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OptionError, startTogaiMock, type TogaiMock } from '../../src/index.js';
import { cleanEnv, start, CLI, urlOf } from './process.js';

// Each test starts the CLI through tsx, which takes seconds on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

const FIXTURE = fileURLToPath(new URL('../fixtures/togai-extra.yaml', import.meta.url));

let mock: TogaiMock;
beforeAll(async () => {
  mock = await startTogaiMock({ fallbackSpec: FIXTURE, tokens: ['good-key'], validateResponses: true });
});
afterAll(async () => {
  await mock.close();
  expect(mock.runtime.selfCheckFailures).toEqual([]);
});

const call = async (
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string | null; type?: string } = {},
) => {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? 'good-key'}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  const res = await fetch(`${mock.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text === '' ? undefined : (JSON.parse(text) as any) };
};

describe('routes from the fallback document', () => {
  it('answer with the example of the document', async () => {
    const r = await call('GET', '/price_plans/PP001');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toEqual({ id: 'PP001', name: 'Example price plan', currency: 'USD', status: 'ACTIVE' });
  });

  it('validate the request body and answer invalid ones with a Togai-style 400', async () => {
    const ok = await call('POST', '/usage_events', { body: { event: { eventName: 'api_call', accountId: 'ACC001' } } });
    expect(ok.status).toBe(200);
    expect(ok.body.events[0].status).toBe('INGESTED');

    const bad = await call('POST', '/usage_events', { body: { event: { eventName: 7 } } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body)).toEqual(['message']);
    expect(bad.body.message).toMatch(/accountId/);
    expect(bad.body.message).toMatch(/eventName/);

    const missing = await call('POST', '/usage_events');
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/body/i);
  });

  it('validate path parameters', async () => {
    const r = await call('GET', `/price_plans/${'x'.repeat(51)}`);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/price_plan_id/);
  });

  it('reject a body of the wrong media type with 415', async () => {
    const r = await call('POST', '/usage_events', { rawBody: 'event=x', type: 'text/plain' });
    expect(r.status).toBe(415);
    expect(Object.keys(r.body)).toEqual(['message']);
  });

  it('use our authentication: credentials and the token list apply', async () => {
    const none = await call('GET', '/price_plans/PP001', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/Missing credentials/);
    const wrong = await call('GET', '/price_plans/PP001', { token: 'other' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ message: 'Invalid credentials' });
    // An operation with `security: []` is open.
    expect((await call('GET', '/health', { token: null })).body).toEqual({ status: 'UP' });
  });

  it('a known path with another method is 405 with Allow', async () => {
    const r = await call('DELETE', '/usage_events');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect(r.body.message).toMatch(/DELETE/);
  });

  it('journal and request log name the operation', async () => {
    await call('GET', '/price_plans/PP002');
    const recorded = await mock.requests({ path: '/price_plans/PP002' });
    expect(recorded.at(-1)).toMatchObject({ method: 'GET', status: 200, operationId: 'getPricePlan' });
  });
});

describe('our routes stay ours', () => {
  it('the Credits operations stay stateful, even where the document has them too', async () => {
    const grant = await call('POST', '/credits', {
      body: {
        creditRequests: [
          { accountId: 'ACC-FB', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 3 },
        ],
      },
    });
    expect(grant.status).toBe(200);
    const list = await call('GET', '/credits?account_id=ACC-FB');
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([grant.body.credits[0].id]);
    expect(JSON.stringify(list.body)).not.toContain('FROM_FALLBACK');
  });

  it('the control API is not shadowed, and unknown routes are still our 404', async () => {
    expect((await call('GET', '/_mock/health', { token: null })).body).toMatchObject({
      status: 'ok',
      backend: 'memory',
      connected: true,
    });
    const r = await call('GET', '/no/such/route');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ message: 'No such route: GET /no/such/route' });
  });
});

describe('bad documents', () => {
  it('a missing file is an OptionError', async () => {
    await expect(startTogaiMock({ fallbackSpec: '/no/such/spec.yaml' })).rejects.toBeInstanceOf(OptionError);
  });

  it('a file that is not OpenAPI is an OptionError naming the file', async () => {
    const notSpec = fileURLToPath(new URL('../../package.json', import.meta.url));
    const err = await startTogaiMock({ fallbackSpec: notSpec }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionError);
    expect((err as Error).message).toMatch(/package\.json/);
  });
});

describe('from the command line', () => {
  it('--fallback-spec serves the document beside the stateful credits', async () => {
    const child = start(
      process.execPath,
      [...CLI, '--port', '0', '--log-level', 'warn', '--fallback-spec', 'test/fixtures/togai-extra.yaml'],
      {
        env: cleanEnv(),
      },
    );
    const url = await urlOf(child);
    const acc = await fetch(`${url}/price_plans/PP001`, { headers: { 'x-api-key': 'k' } });
    expect(acc.status).toBe(200);
    expect(((await acc.json()) as { id: string }).id).toBe('PP001');
    const credits = await fetch(`${url}/credits`, { headers: { 'x-api-key': 'k' } });
    expect(await credits.json()).toEqual({ data: [] });
    process.kill(child.proc.pid!, 'SIGTERM');
    expect(await child.exited).toBe(0);
  });
});
