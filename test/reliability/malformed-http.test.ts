// Malformed HTTP over raw sockets: truncated and lying bodies, wrong or
// missing Content-Type, charsets other than UTF-8, compressed bodies, the
// 1 MiB limit (applied after decompression), unsupported methods and
// requests Node's HTTP parser refuses. Each must leave nothing stored and the
// server answering. Decisions are documented in SECURITY.md.

import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';
import { exchange, head, type RawExchange } from './raw-socket.js';

let mock: TestMock;
const MiB = 1024 * 1024;

beforeAll(async () => {
  mock = await startTestMock();
  mock.setTime('2025-06-01T00:00:00Z');
});

const count = (): number => mock.runtime.store.peek('shared').ledger.creditCount;
const grantBody = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({ creditRequests: [creditRequest(overrides)] });

function post(body: string | Buffer, headers: Record<string, string | number>): Promise<RawExchange> {
  const len = headers['Content-Length'] ?? Buffer.byteLength(body);
  return exchange(mock.port, [head('POST', '/credits', { ...headers, 'Content-Length': len }), body]);
}

function togaiError(r: RawExchange): string {
  expect(r.headers['content-type'], r.text.slice(0, 300)).toMatch(/^application\/json/);
  const parsed = JSON.parse(r.body) as Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual(['message']);
  expect(typeof parsed.message).toBe('string');
  return parsed.message as string;
}

async function stillServing(): Promise<void> {
  const r = await mock.call('GET', '/_mock/health');
  expect(r.status).toBe(200);
}

describe('truncated and lying bodies', () => {
  it('refuses a body cut off before its Content-Length (client half-closes) and stores nothing', async () => {
    const before = count();
    const body = grantBody();
    const r = await exchange(
      mock.port,
      [head('POST', '/credits', { 'Content-Type': 'application/json', 'Content-Length': body.length + 40 }), body],
      {
        halfClose: true,
      },
    );
    // Node's HTTP parser sees the end of the stream inside the body: a 400, connection closed.
    expect(r.status).toBe(400);
    expect(togaiError(r)).toMatch(/^Malformed HTTP request: /);
    expect(r.headers.connection).toBe('close');
    expect(count()).toBe(before);
    await stillServing();
  });

  it('stores nothing when the client disappears in the middle of a body', async () => {
    const before = count();
    const body = grantBody();
    await new Promise<void>((resolve) => {
      const s = connect(mock.port, '127.0.0.1', () => {
        s.write(head('POST', '/credits', { 'Content-Type': 'application/json', 'Content-Length': body.length }));
        s.write(body.slice(0, 20), () => s.destroy());
      });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    await stillServing();
    expect(count()).toBe(before);
  });

  it('answers JSON cut short (Content-Length honest) with 400 "not valid JSON"', async () => {
    const before = count();
    const r = await post(grantBody().slice(0, 30), { 'Content-Type': 'application/json' });
    expect(r.status).toBe(400);
    expect(togaiError(r)).toMatch(/not valid JSON/);
    expect(count()).toBe(before);
  });

  it('refuses Transfer-Encoding together with Content-Length (request smuggling) at the parser', async () => {
    const before = count();
    const r = await exchange(mock.port, [
      head('POST', '/credits', {
        'Content-Type': 'application/json',
        'Content-Length': 5,
        'Transfer-Encoding': 'chunked',
      }),
      '0\r\n\r\n',
    ]);
    expect(r.status).toBe(400);
    expect(togaiError(r)).toMatch(/^Malformed HTTP request: /);
    expect(count()).toBe(before);
    await stillServing();
  });

  it('accepts a chunked body and applies the same rules to it', async () => {
    const body = grantBody({ accountId: 'CHUNKED' });
    const chunks = [body.slice(0, 10), body.slice(10)].map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`);
    const lines = head('POST', '/credits', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const r = await exchange(mock.port, [lines, ...chunks, '0\r\n\r\n']);
    expect(r.status).toBe(200);
  });
});

describe('Content-Type and charset', () => {
  const cases: Array<[string, string | undefined, number]> = [
    ['application/json', 'application/json', 200],
    ['application/json; charset=utf-8', 'application/json; charset=utf-8', 200],
    ['application/json; charset=UTF-8', 'application/json; charset=UTF-8', 200],
    ['a +json media type', 'application/vnd.togai+json', 200],
    ['no Content-Type', undefined, 415],
    ['text/plain', 'text/plain', 415],
    ['form encoding', 'application/x-www-form-urlencoded', 415],
    ['multipart', 'multipart/form-data; boundary=x', 415],
    ['charset latin1', 'application/json; charset=latin1', 415],
    ['charset utf-16le', 'application/json; charset=utf-16le', 415],
    ['charset utf-32', 'application/json; charset=utf-32', 415],
    ['an unknown charset', 'application/json; charset=klingon', 415],
  ];
  for (const [name, type, status] of cases) {
    it(`${name} -> ${status}`, async () => {
      const before = count();
      const body = grantBody({ accountId: `CT-${name}` });
      const r = await post(body, type === undefined ? {} : { 'Content-Type': type });
      expect(r.status, r.body).toBe(status);
      if (status === 200) {
        expect(count()).toBe(before + 1);
      } else {
        expect(togaiError(r)).toMatch(/Content-Type|charset/);
        expect(count()).toBe(before);
      }
    });
  }

  it('refuses a body actually encoded as UTF-16, whatever it claims', async () => {
    const before = count();
    const body = Buffer.from(grantBody(), 'utf16le');
    const r = await post(body, { 'Content-Type': 'application/json; charset=utf-16le' });
    expect(r.status).toBe(415);
    expect(togaiError(r)).toMatch(/UTF-16LE is not supported; send UTF-8 JSON/);
    const asUtf8 = await post(body, { 'Content-Type': 'application/json' });
    expect(asUtf8.status).toBe(400);
    expect(count()).toBe(before);
  });
});

describe('compressed bodies', () => {
  // The body reader (src/http/body.ts) inflates gzip, deflate and br; the 1 MiB limit counts the inflated bytes.
  for (const [encoding, zip] of [
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const) {
    it(`accepts a ${encoding} body`, async () => {
      const before = count();
      const r = await post(zip(Buffer.from(grantBody({ accountId: `Z-${encoding}` }))), {
        'Content-Type': 'application/json',
        'Content-Encoding': encoding,
      });
      expect(r.status, r.body).toBe(200);
      expect(count()).toBe(before + 1);
    });
  }

  it('applies the 1 MiB limit after inflating (a 2 MiB gzip bomb of a few kB is 413)', async () => {
    const before = count();
    const bomb = gzipSync(Buffer.alloc(2 * MiB, 0x20));
    expect(bomb.length).toBeLessThan(10_000);
    const r = await post(bomb, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(togaiError(r)).toMatch(/1 MiB/);
    expect(count()).toBe(before);
  });

  it('refuses a body that is not what its Content-Encoding says (400) and an unknown encoding (415)', async () => {
    const before = count();
    const bad = await post(grantBody(), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(togaiError(bad)).toMatch(/decompressed/);
    const unknown = await post(grantBody(), { 'Content-Type': 'application/json', 'Content-Encoding': 'compress' });
    expect(unknown.status).toBe(415);
    expect(togaiError(unknown)).toMatch(/Content-Encoding compress/);
    expect(count()).toBe(before);
  });
});

describe('the 1 MiB body limit', () => {
  /** A valid grant whose JSON text is exactly `size` bytes (padding in purpose). */
  function grantOfSize(size: number): string {
    const base = grantBody({ purpose: '' });
    const text = grantBody({ purpose: 'p'.repeat(size - Buffer.byteLength(base)) });
    expect(Buffer.byteLength(text)).toBe(size);
    return text;
  }

  it('accepts exactly 1 MiB', async () => {
    const before = count();
    const r = await post(grantOfSize(MiB), { 'Content-Type': 'application/json' });
    expect(r.status).toBe(200);
    expect(count()).toBe(before + 1);
  });

  it('answers 1 MiB + 1 byte with 413 and stores nothing', async () => {
    const before = count();
    const r = await post(grantOfSize(MiB + 1), { 'Content-Type': 'application/json' });
    expect(r.status).toBe(413);
    expect(togaiError(r)).toBe('Request body is larger than the 1 MiB limit');
    expect(count()).toBe(before);
  });

  it('answers an over-long chunked body with 413 too', async () => {
    const before = count();
    const text = grantOfSize(MiB + 1);
    const chunked = `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
    const r = await exchange(mock.port, [
      head('POST', '/credits', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }),
      chunked,
    ]);
    expect(r.status).toBe(413);
    expect(count()).toBe(before);
  });
});

describe('methods, routes and the parser', () => {
  it('answers a method a known path does not support with 405 and Allow', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/credits', 'GET, POST, HEAD, OPTIONS'],
      ['DELETE', '/credits', 'GET, POST, HEAD, OPTIONS'],
      ['PATCH', '/credits/cred.x', 'GET, HEAD, OPTIONS'],
      ['GET', '/credits/cred.x/void', 'POST, OPTIONS'],
      ['POST', '/accounts/A/credit_balance', 'GET, HEAD, OPTIONS'],
    ] as const) {
      const r = await exchange(mock.port, [head(method, path, { 'Content-Length': 0 })]);
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.allow).toBe(allow);
      expect(togaiError(r)).toContain(`Method ${method} is not allowed`);
    }
  });

  it('answers OPTIONS with 204 and Allow, and an unknown path with a Togai 404', async () => {
    const options = await exchange(mock.port, [head('OPTIONS', '/credits')]);
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    const missing = await exchange(mock.port, [head('GET', '/nope')]);
    expect(missing.status).toBe(404);
    expect(togaiError(missing)).toBe('No such route: GET /nope');
  });

  it('answers what Node refuses (unknown methods, over-long URLs, garbage) with 400 and 431 and a Togai body, and keeps serving', async () => {
    const foo = await exchange(mock.port, [head('FOO', '/credits')]);
    expect(foo.status).toBe(400);
    expect(togaiError(foo)).toBe('Malformed HTTP request: Invalid method encountered');
    expect(foo.headers.connection).toBe('close');
    const long = await exchange(mock.port, [head('GET', `/credits/${'x'.repeat(20_000)}`)]);
    expect(long.status).toBe(431);
    expect(togaiError(long)).toMatch(
      /^Request headers are too large: the request line and headers must fit in \d+ KiB$/,
    );
    const garbage = await exchange(mock.port, ['\u0000\u0001 not http at all\r\n\r\n']);
    expect(garbage.status).toBe(400);
    expect(togaiError(garbage)).toMatch(/^Malformed HTTP request: /);
    await stillServing();
  });

  it('answers a path that is not valid percent-encoding with a Togai 400', async () => {
    const r = await exchange(mock.port, [head('GET', '/credits/%E0%A4%A')]);
    expect(r.status).toBe(400);
    expect(togaiError(r)).toBe('URL path is not valid percent-encoded UTF-8');
  });
});
