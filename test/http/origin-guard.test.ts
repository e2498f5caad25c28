// Other web pages cannot drive the mock: what a page in the developer's
// browser can send (a cross-site text/plain POST, a preflight, a request
// after DNS rebinding, whose Host is the page's name) is refused with a 403
// naming the setting to change, and changes nothing; the mock's own pages
// (same origin) and clients that are not browsers (no Origin) keep working.
// Requests are sent with node:http so Host and Origin are exactly as written.

import { once } from 'node:events';
import { request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { hostEntry, isLoopbackBind, originEntry, originRules } from '../../src/http/origin-guard.js';
import { resolveOptions, type TogaiMockOptions } from '../../src/options.js';
import { MockRuntime } from '../../src/runtime.js';
import { createHttpServer } from '../../src/server.js';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

interface Answer {
  status: number;
  body: any;
}

/** One request to 127.0.0.1:port (or ::1) with exactly these headers. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  address = '127.0.0.1',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, method, path, headers, setHost: !('Host' in headers) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode!, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const AUTH = { Authorization: 'Bearer test-token' };
const ORIGINS_SETTING = /TOGAI_MOCK_ALLOWED_ORIGINS \(--allowed-origins\)/;
const HOSTS_SETTING = /TOGAI_MOCK_ALLOWED_HOSTS \(--allowed-hosts\)/;

describe('bound to 127.0.0.1 (the default)', async () => {
  const mock: TestMock = await startTestMock();
  const own = `127.0.0.1:${mock.port}`;
  const creditCount = (): number => mock.runtime.store.peek('shared').ledger.creditCount;

  beforeEach(async () => {
    await mock.reset();
    const granted = await mock.call('POST', '/credits', { body: { creditRequests: [creditRequest()] } });
    expect(granted.status).toBe(200);
    expect(creditCount()).toBe(1);
  });

  it('refuses a cross-site text/plain POST /_mock/reset (no preflight needed), keeping the state', async () => {
    const headers = { 'Content-Type': 'text/plain', Origin: 'http://evil.example' };
    const r = await send(mock.port, 'POST', '/_mock/reset', headers, 'x');
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(
      /^Requests from other web pages are refused: Origin "http:\/\/evil.example" is not this mock's own/,
    );
    expect(r.body.message).toContain(`(http://${own})`);
    expect(r.body.message).toMatch(ORIGINS_SETTING);
    expect(Object.keys(r.body)).toEqual(['message']);
    expect(creditCount()).toBe(1);
  });

  it('refuses a page on another port of the same host (another origin)', async () => {
    const r = await send(mock.port, 'POST', '/_mock/reset', { Origin: `http://127.0.0.1:${mock.port + 1}` });
    expect(r.status).toBe(403);
    expect(creditCount()).toBe(1);
  });

  it('refuses a CORS preflight from another origin', async () => {
    const r = await send(mock.port, 'OPTIONS', '/_mock/reset', {
      Origin: 'http://evil.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    });
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(ORIGINS_SETTING);
  });

  it('refuses Origin: null (sandboxed frames, file:// pages) and a malformed Origin', async () => {
    const nul = await send(mock.port, 'POST', '/_mock/reset', { Origin: 'null' });
    expect(nul.status).toBe(403);
    expect(nul.body.message).toMatch(/Origin "null" .* could be any page\. Only "\*" in TOGAI_MOCK_ALLOWED_ORIGINS/);
    const odd = await send(mock.port, 'POST', '/_mock/reset', { Origin: 'http://evil.example/path' });
    expect(odd.status).toBe(403);
    expect(creditCount()).toBe(1);
  });

  it('refuses a cross-site grant on the Credits API: nothing stored, the journal shows the 403', async () => {
    const body = JSON.stringify({ creditRequests: [creditRequest({ accountId: 'EVIL' })] });
    const headers = { ...AUTH, 'Content-Type': 'application/json', Origin: 'http://evil.example' };
    const r = await send(mock.port, 'POST', '/credits', headers, body);
    expect(r.status).toBe(403);
    expect(creditCount()).toBe(1);
    const journal = await mock.call('GET', '/_mock/requests?method=POST');
    expect(journal.status).toBe(200);
    expect(journal.body.requests.at(-1)).toMatchObject({ method: 'POST', path: '/credits', status: 403 });
  });

  it('refuses a Host that is not a loopback name (DNS rebinding) on /_mock, the Credits API, the pages', async () => {
    const hosts = ['evil.example', `evil.example:${mock.port}`, '10.0.0.1', `[2001:db8::1]:${mock.port}`];
    hosts.push('localhost.evil.example');
    for (const host of hosts) {
      for (const path of ['/_mock/requests', '/credits', '/_mock/ui/', '/_mock/docs/', '/_mock/health']) {
        const r = await send(mock.port, 'GET', path, { ...AUTH, Host: host });
        expect(r.status, `${host} ${path}`).toBe(403);
        expect(r.body.message).toContain(`Host ${JSON.stringify(host)} is not allowed: this mock listens on 127.0.0.1`);
        expect(r.body.message).toMatch(HOSTS_SETTING);
      }
    }
    // What a rebound page sends: its own name as Host, and its own origin, which then looks "same-origin".
    const host = `evil.example:${mock.port}`;
    const headers = { Host: host, Origin: `http://${host}`, 'Content-Type': 'text/plain' };
    const rebound = await send(mock.port, 'POST', '/_mock/reset', headers);
    expect(rebound.status).toBe(403);
    expect(creditCount()).toBe(1);
  });

  it('answers loopback names and addresses, with any port', async () => {
    const hosts = [own, 'localhost', `localhost:${mock.port}`, 'LocalHost:1', 'app.localhost:9', '127.0.0.2:80'];
    for (const host of [...hosts, '127.1', '[::1]:5', 'localhost.']) {
      const r = await send(mock.port, 'GET', '/_mock/requests', { Host: host });
      expect(r.status, host).toBe(200);
    }
  });

  it("lets the mock's own pages (same origin) and clients without Origin through", async () => {
    const same = await send(mock.port, 'GET', '/_mock/requests', { Origin: `http://${own}` });
    expect(same.status).toBe(200);
    const local = `localhost:${mock.port}`;
    const viaLocalhost = await send(mock.port, 'GET', '/credits', { ...AUTH, Host: local, Origin: `http://${local}` });
    expect(viaLocalhost.status).toBe(200);
    // Behind a TLS proxy that keeps Host, the page's origin is https://<Host>.
    const tls = { Host: 'localhost', Origin: 'https://localhost' };
    const proxied = await send(mock.port, 'GET', '/credits', { ...AUTH, ...tls });
    expect(proxied.status).toBe(200);
    const noOrigin = await send(mock.port, 'GET', '/credits', AUTH);
    expect(noOrigin.status).toBe(200);
    // The same origin may change state, as the dashboard does.
    const reset = await send(mock.port, 'POST', '/_mock/reset', { Origin: `http://${own}` });
    expect(reset.status).toBe(204);
    expect(creditCount()).toBe(0);
  });

  it('lets a request without Host through (HTTP/1.0: browsers always send Host)', async () => {
    const r = await new Promise<string>((resolve, reject) => {
      const socket = connect(mock.port, '127.0.0.1', () => socket.write('GET /_mock/health HTTP/1.0\r\n\r\n'));
      const got: Buffer[] = [];
      socket.on('data', (d: Buffer) => got.push(d));
      socket.on('end', () => resolve(Buffer.concat(got).toString('latin1')));
      socket.on('error', reject);
    });
    expect(r).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('further hosts and origins allowed by the options', async () => {
  const mock = await startTestMock({
    allowedHosts: ['mock.internal', '.ci.test'],
    allowedOrigins: ['http://app.test:3000', 'HTTPS://Admin.Test/'],
  });

  it('answers a listed Host (any port) and its subdomains for a .name entry', async () => {
    for (const host of ['mock.internal', 'mock.internal:4010', 'ci.test', 'job-7.ci.test:80']) {
      expect((await send(mock.port, 'GET', '/_mock/requests', { Host: host })).status, host).toBe(200);
      expect((await send(mock.port, 'GET', '/credits', { ...AUTH, Host: host })).status, host).toBe(200);
    }
    for (const host of ['other.internal', 'mock.internal.evil', 'xci.test']) {
      expect((await send(mock.port, 'GET', '/_mock/requests', { Host: host })).status, host).toBe(403);
    }
  });

  it('lets listed origins through and no others', async () => {
    expect((await send(mock.port, 'GET', '/_mock/requests', { Origin: 'http://app.test:3000' })).status).toBe(200);
    expect((await send(mock.port, 'GET', '/_mock/requests', { Origin: 'https://admin.test' })).status).toBe(200);
    const preflight = await send(mock.port, 'OPTIONS', '/_mock/reset', {
      Origin: 'http://app.test:3000',
      'Access-Control-Request-Method': 'POST',
    });
    expect(preflight.status).toBe(204);
    for (const origin of ['http://app.test:3001', 'https://app.test:3000', 'http://app.test', 'null']) {
      expect((await send(mock.port, 'GET', '/_mock/requests', { Origin: origin })).status, origin).toBe(403);
    }
  });

  it('normalises the lists given to the library, and refuses what is not a host or an origin', () => {
    expect(mock.runtime.options.allowedOrigins).toEqual(['http://app.test:3000', 'https://admin.test']);
    expect(() => resolveOptions({ allowedOrigins: ['app.test:3000'] })).toThrow(
      /allowedOrigins takes origins such as http:\/\/app.test:3000/,
    );
    expect(() => resolveOptions({ allowedHosts: ['http://mock.internal'] })).toThrow(
      /allowedHosts takes host names without scheme or port/,
    );
  });
});

describe('"*" turns a check off', async () => {
  const mock = await startTestMock({ allowedHosts: ['*'], allowedOrigins: ['*'] });
  it('answers any Host and any Origin, null included', async () => {
    const headers = { Host: 'evil.example', Origin: 'http://evil.example' };
    expect((await send(mock.port, 'GET', '/_mock/requests', headers)).status).toBe(200);
    expect((await send(mock.port, 'GET', '/_mock/requests', { Origin: 'null' })).status).toBe(200);
  });
});

/** The app as a mock bound to `host` would build it, served on 127.0.0.1 (tests never bind other addresses). */
async function appBoundTo(options: Partial<TogaiMockOptions>): Promise<number> {
  const runtime = new MockRuntime(resolveOptions({ port: 0, logLevel: 'silent' }, options));
  const server: Server = createHttpServer(createApp(runtime));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  afterAll(async () => {
    server.close();
    server.closeAllConnections();
    await runtime.engine.close();
  });
  return (server.address() as AddressInfo).port;
}

describe('bound to 0.0.0.0 (a container)', async () => {
  const port = await appBoundTo({ host: '0.0.0.0' });
  const listed = await appBoundTo({ host: '0.0.0.0', allowedHosts: ['togai.ci.example'] });

  it('answers IP addresses and names without a dot (compose services), and refuses other origins', async () => {
    const hosts = ['togai:4010', 'togai-1', '10.1.2.3:4010', '[fd00::5]:4010', `127.0.0.1:${port}`, 'localhost:4010'];
    for (const host of hosts) {
      expect((await send(port, 'GET', '/_mock/requests', { Host: host })).status, host).toBe(200);
    }
    expect((await send(port, 'GET', '/credits', { ...AUTH, Host: 'togai:4010' })).status).toBe(200);
    const r = await send(port, 'POST', '/_mock/reset', { Host: 'togai:4010', Origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(ORIGINS_SETTING);
    // Its own pages, reached by the container's name.
    const own = { Host: 'togai:4010', Origin: 'http://togai:4010' };
    expect((await send(port, 'GET', '/_mock/requests', own)).status).toBe(200);
  });

  it('refuses a name with a dot unless listed: a rebound name reaching a port published on 127.0.0.1', async () => {
    for (const host of ['evil.example:4010', 'togai.ci.example']) {
      const r = await send(port, 'GET', '/_mock/requests', { Host: host, Origin: `http://${host}` });
      expect(r.status, host).toBe(403);
      expect(r.body.message).toContain('answers only to IP addresses, loopback names and names without a dot');
      expect(r.body.message).toMatch(HOSTS_SETTING);
    }
    expect((await send(listed, 'GET', '/_mock/requests', { Host: 'togai.ci.example:4010' })).status).toBe(200);
    expect((await send(listed, 'GET', '/_mock/requests', { Host: 'togai:4010' })).status).toBe(200);
    expect((await send(listed, 'GET', '/_mock/requests', { Host: 'evil.example' })).status).toBe(403);
  });
});

describe('bound to ::1 (IPv6 loopback)', async () => {
  let port = 0;
  let skip = false;
  try {
    const mock = await startTestMock({ host: '::1' });
    port = mock.port;
  } catch (err) {
    skip = true;
    console.warn(`\n[test/http/origin-guard] SKIPPING the IPv6 loopback cases: no listening on ::1 (${String(err)})\n`);
  }

  it.skipIf(skip)('answers [::1] and loopback names, refuses others and foreign origins', async () => {
    const v6 = (method: string, path: string, headers: Record<string, string>) =>
      send(port, method, path, headers, undefined, '::1');
    const own = `[::1]:${port}`;
    expect((await v6('GET', '/_mock/requests', { Host: own })).status).toBe(200);
    expect((await v6('GET', '/_mock/requests', { Host: own, Origin: `http://${own}` })).status).toBe(200);
    expect((await v6('GET', '/_mock/requests', { Host: `localhost:${port}` })).status).toBe(200);
    const host = await v6('GET', '/_mock/requests', { Host: `evil.example:${port}` });
    expect(host.status).toBe(403);
    expect(host.body.message).toContain('this mock listens on ::1');
    const origin = await v6('POST', '/_mock/reset', { Host: own, Origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
  });
});

describe('the rules', () => {
  it('know loopback binds', () => {
    for (const bind of ['127.0.0.1', '127.0.0.53', 'localhost', '::1', '[::1]']) {
      expect(isLoopbackBind(bind), bind).toBe(true);
    }
    for (const bind of ['0.0.0.0', '::', '192.168.1.5', 'mock.internal']) {
      expect(isLoopbackBind(bind), bind).toBe(false);
    }
  });

  it('read host and origin entries', () => {
    expect(hostEntry(' Mock.Internal ')).toBe('mock.internal');
    expect(hostEntry('*.ci.test')).toBe('.ci.test');
    expect(hostEntry('::1')).toBe('[::1]');
    expect(hostEntry('*')).toBe('*');
    for (const bad of ['mock.internal:4010', 'http://x', 'x/y', 'a*b', '', '[::1]:80']) {
      expect(hostEntry(bad), bad).toBeUndefined();
    }
    expect(originEntry('http://App.Test:80/')).toBe('http://app.test');
    for (const bad of ['app.test', 'ftp://x', 'http://x/path', 'http://u@x', 'null']) {
      expect(originEntry(bad), bad).toBeUndefined();
    }
  });

  it('answer the address the server is bound to, and refuse dotted names unless listed', () => {
    const lan = originRules({ host: '192.168.1.5', allowedHosts: [], allowedOrigins: [] });
    expect(lan({ host: '192.168.1.5:4010' })).toBeUndefined();
    expect(lan({ host: 'laptop' })).toBeUndefined();
    expect(lan({ host: 'laptop.local' })).toMatch(HOSTS_SETTING);
    const named = originRules({ host: 'laptop.local', allowedHosts: ['.ci.test'], allowedOrigins: [] });
    expect(named({ host: 'laptop.local:4010' })).toBeUndefined();
    expect(named({ host: 'a.ci.test' })).toBeUndefined();
    // Bound to loopback, only loopback names (and listed ones): a local client does not call 127.0.0.1 "10.0.0.1".
    const local = originRules({ host: '127.0.0.1', allowedHosts: [], allowedOrigins: [] });
    expect(local({ host: '10.0.0.1' })).toMatch(HOSTS_SETTING);
    expect(local({ host: 'togai' })).toMatch(HOSTS_SETTING);
  });
});
