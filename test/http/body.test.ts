// The JSON body reader (src/http/body.ts) on the cases the other suites do not
// reach: a UTF-8 BOM, +json media types, chunked bodies (empty, and over the
// limit without a Content-Length), the routing rules it shares with Express
// (case, trailing slash, HEAD, OPTIONS), and what the journal keeps of a body
// that is not JSON.

import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exchange, head } from '../reliability/raw-socket.js';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
  mock.setTime('2025-06-01T00:00:00Z');
});
beforeEach(async () => {
  await mock.call('DELETE', '/_mock/requests');
});

const count = (): number => mock.runtime.store.peek('shared').ledger.creditCount;
const grant = (accountId: string): string => JSON.stringify({ creditRequests: [creditRequest({ accountId })] });

/** A chunked POST /credits over a raw socket, one chunk per string given. */
function chunked(chunks: string[], contentType = 'application/json') {
  const body = chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
  return exchange(mock.port, [
    head('POST', '/credits', { 'Content-Type': contentType, 'Transfer-Encoding': 'chunked' }),
    body,
  ]);
}

describe('the JSON body reader', () => {
  it('skips a UTF-8 byte order mark', async () => {
    const r = await mock.call('POST', '/credits', {
      rawBody: `\uFEFF${grant('BOM-1')}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.credits[0].accountId).toBe('BOM-1');
  });

  it('accepts application/*+json and a quoted utf-8 charset', async () => {
    const plus = await mock.call('POST', '/credits', {
      rawBody: grant('PLUS-1'),
      headers: { 'content-type': 'application/vnd.togai+json' },
    });
    expect(plus.status, plus.text).toBe(200);
    const quoted = await mock.call('POST', '/credits', {
      rawBody: grant('Q-1'),
      headers: { 'content-type': 'application/json; charset="UTF-8"' },
    });
    expect(quoted.status, quoted.text).toBe(200);
  });

  it('reads a body sent in several chunks', async () => {
    const text = grant('CHUNKS-1');
    const r = await chunked([text.slice(0, 10), text.slice(10, 40), text.slice(40)]);
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body).credits[0].accountId).toBe('CHUNKS-1');
  });

  it('judges an empty chunked body as {} (the schema names what is missing)', async () => {
    const before = count();
    const r = await chunked([]);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/creditRequests/);
    expect(count()).toBe(before);
  });

  it('answers 413 for a chunked body that grows past 1 MiB without a Content-Length, and stores nothing', async () => {
    const before = count();
    const piece = 'x'.repeat(256 * 1024);
    const r = await chunked(['{"creditRequests":[], "pad":"', piece, piece, piece, piece, piece, '"}']);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).message).toBe('Request body is larger than the 1 MiB limit');
    expect(count()).toBe(before);
  });

  it('keeps a body that is not JSON in the journal as the text that was sent', async () => {
    const r = await mock.call('POST', '/credits', {
      rawBody: '{"creditRequests": [',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
    const [entry] = (await mock.call('GET', '/_mock/requests')).body.requests;
    expect(entry).toMatchObject({
      operationId: 'createCredit',
      status: 400,
      requestBody: '{"creditRequests": [',
      error: 'Request body is not valid JSON',
    });
  });

  it('keeps non-ASCII bodies intact in the journal (responses are kept as the bytes written)', async () => {
    const g = await mock.call('POST', '/credits', {
      body: { creditRequests: [creditRequest({ accountId: 'Zoë-東京-1' })] },
    });
    expect(g.status, g.text).toBe(200);
    const [entry] = (await mock.call('GET', '/_mock/requests')).body.requests;
    expect(entry.requestBody.creditRequests[0].accountId).toBe('Zoë-東京-1');
    expect(entry.responseBody).toEqual(g.body);
  });
});

describe('routing from the spec', () => {
  it('matches paths in any letter case and with a trailing slash, as Express did', async () => {
    const g = await mock.call('POST', '/credits', {
      body: { creditRequests: [creditRequest({ accountId: 'ROUTE-1' })] },
    });
    const id = g.body.credits[0].id as string;
    expect((await mock.call('GET', `/Credits/${id}/`)).body.id).toBe(id);
    expect((await mock.call('GET', '/accounts/ROUTE-1/credit_balance/')).status).toBe(200);
  });

  it('answers HEAD like GET without a body, and OPTIONS with Allow', async () => {
    const h = await fetch(`${mock.url}/accounts/ROUTE-1/credit_balance`, {
      method: 'HEAD',
      headers: { authorization: 'Bearer t' },
    });
    expect(h.status).toBe(200);
    expect(Number(h.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await h.text()).toBe('');
    const o = await fetch(`${mock.url}/credits/cred.x/void`, { method: 'OPTIONS' });
    expect(o.status).toBe(204);
    expect(o.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('decodes percent-encoded path parameters and refuses ones that are not UTF-8', async () => {
    const ok = await mock.call('GET', '/accounts/A%20B/credit_balance');
    expect(ok.status).toBe(200);
    const bad = await mock.call('GET', '/accounts/%E0%A4/credit_balance');
    expect(bad).toMatchObject({ status: 400, body: { message: 'URL path is not valid percent-encoded UTF-8' } });
  });
});
