// Another web page, in a real browser (Debian's headless Chromium driven by
// playwright-core), cannot drive the mock. A page served from a second server
// on 127.0.0.1 (another port: another origin) tries what any page open in the
// developer's browser can: a no-cors fetch and a form POST to /_mock/reset
// (no preflight needed), a cross-site grant, a CORS read of the journal and a
// preflighted JSON POST. Each reaches the mock and is refused with 403; the
// state is intact and the journal and log say so. A DNS-rebound name
// (evil.example, mapped to 127.0.0.1 inside the browser) gets 403 too, while
// the mock's own page may still reset.
//
// Without /usr/bin/chromium the browser tests are skipped, loudly.

import { once } from 'node:events';

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHROMIUM, CHROMIUM_ARGS, chromiumOrWarn } from '../helpers/chromium.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveOptions } from '../../src/options.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { creditRequest } from '../helpers/mock.js';

const hasChromium = chromiumOrWarn('the other-origin browser tests');
// DNS rebinding without DNS: the browser resolves this name to the mock's address.
const REBINDING_ARGS = [...CHROMIUM_ARGS, '--host-resolver-rules=MAP evil.example 127.0.0.1'];

/** What the mock's HTTP server saw: every request with its Origin and the status it answered. */
interface Seen {
  method: string;
  url: string;
  origin: string | undefined;
  host: string | undefined;
  status: number;
}

/** The other page: everything it tries runs on load; the outcome lands in window.results and the title. */
function attackerPage(mockUrl: string): string {
  return `<!doctype html>
<html><head><title>other page</title></head><body>
<iframe name="sink"></iframe>
<form id="form" method="POST" action="${mockUrl}/_mock/reset?via=form" enctype="text/plain" target="sink">
  <input name="a" value="b">
</form>
<script>
(async () => {
  const mock = ${JSON.stringify(mockUrl)};
  const results = {};
  const attempt = async (name, run) => {
    try { results[name] = await run(); } catch (err) { results[name] = 'failed: ' + err; }
  };
  await attempt('noCorsReset', async () => {
    const plain = { 'Content-Type': 'text/plain' };
    const init = { method: 'POST', mode: 'no-cors', headers: plain, body: 'x' };
    const r = await fetch(mock + '/_mock/reset?via=no-cors', init);
    return r.type;
  });
  await attempt('noCorsGrant', async () => {
    const credit = { accountId: 'EVIL', purpose: 'PREPAID_CREDIT', effectiveFrom: '2024-01-01', creditAmount: 1e9 };
    const body = JSON.stringify({ creditRequests: [credit] });
    const plain = { 'Content-Type': 'text/plain' };
    const r = await fetch(mock + '/credits?via=no-cors', { method: 'POST', mode: 'no-cors', headers: plain, body });
    return r.type;
  });
  await attempt('corsRead', async () => (await fetch(mock + '/_mock/requests?via=cors')).text());
  await attempt('preflighted', async () => {
    const json = { 'Content-Type': 'application/json' };
    const r = await fetch(mock + '/_mock/reset?via=preflight', { method: 'POST', headers: json, body: '{}' });
    return r.status;
  });
  const frame = document.querySelector('iframe');
  await new Promise((resolve) => { frame.onload = resolve; document.getElementById('form').submit(); });
  results.form = 'submitted';
  window.results = results;
  document.title = 'done';
})();
</script>
</body></html>`;
}

describe.skipIf(!hasChromium)('a page on another origin, in headless Chromium', () => {
  let mock: RunningServer;
  let other: Server;
  let otherUrl: string;
  let browser: Browser;
  const seen: Seen[] = [];
  let warnings: { mock: { calls: unknown[][] } };
  const creditCount = (): number => mock.runtime.store.peek('shared').ledger.creditCount;

  beforeAll(async () => {
    mock = await startServer(resolveOptions({ port: 0, host: '127.0.0.1', logLevel: 'silent' }));
    mock.server.on('request', (req, res) => {
      res.on('finish', () =>
        seen.push({
          method: req.method!,
          url: req.url!,
          origin: req.headers.origin,
          host: req.headers.host,
          status: res.statusCode,
        }),
      );
    });
    // The guard's log line, whatever the level: the log is what a developer reads to see why a page got 403.
    warnings = vi.spyOn(mock.runtime.logger, 'warn');
    const granted = await fetch(`${mock.url}/credits`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ creditRequests: [creditRequest()] }),
    });
    expect(granted.status).toBe(200);
    expect(creditCount()).toBe(1);

    const page = attackerPage(mock.url);
    other = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page);
    });
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: REBINDING_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    other?.close();
    other?.closeAllConnections();
    await mock?.close();
  });

  it('cannot reset, grant or read: every try reaches the mock and gets 403, the state is intact', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${otherUrl}/`);
    await page.waitForFunction("document.title === 'done'");
    const results = (await page.evaluate('window.results')) as Record<string, unknown>;
    await page.close();

    // The browser sent them (opaque answers for no-cors), and could read nothing.
    expect(results).toMatchObject({ noCorsReset: 'opaque', noCorsGrant: 'opaque', form: 'submitted' });
    expect(results.corsRead).toMatch(/^failed: /);
    expect(results.preflighted).toMatch(/^failed: /);

    const fromOther = seen.filter((s) => s.origin === otherUrl);
    const byVia = (via: string): string[] =>
      fromOther.filter((s) => s.url.endsWith(`via=${via}`)).map((s) => `${s.method} ${s.status}`);
    expect(byVia('no-cors')).toEqual(['POST 403', 'POST 403']);
    expect(byVia('form')).toEqual(['POST 403']);
    expect(byVia('cors')).toEqual(['GET 403']);
    // The preflight was refused, so the POST itself was never sent.
    expect(byVia('preflight')).toEqual(['OPTIONS 403']);
    expect(fromOther).toHaveLength(5);

    expect(creditCount()).toBe(1);

    // The journal shows the refused grant, with the reason.
    const journal = (await (await fetch(`${mock.url}/_mock/requests?path=/credits`)).json()) as {
      requests: Array<Record<string, unknown>>;
    };
    expect(journal.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/credits',
      status: 403,
      error: expect.stringMatching(/^Requests from other web pages are refused/),
    });
    // And the log names each refusal with the page's origin.
    const refused = warnings.mock.calls
      .filter((call) => call[1] === 'refused a request from another web page')
      .map((call) => call[0] as { origin?: string; method?: string; path?: string })
      .filter((entry) => entry.origin === otherUrl && entry.path === '/_mock/reset');
    // The no-cors fetch, the form and the preflight.
    expect(refused.map((entry) => entry.method).sort()).toEqual(['OPTIONS', 'POST', 'POST']);
  }, 60_000);

  it('refuses a DNS-rebound name: the page and the data it would read answer 403', async () => {
    const page = await browser.newPage();
    const port = mock.port;
    const ui = await page.goto(`http://evil.example:${port}/_mock/ui/`);
    expect(ui?.status()).toBe(403);
    const data = await page.goto(`http://evil.example:${port}/_mock/requests`);
    expect(data?.status()).toBe(403);
    const body = JSON.parse(await data!.text()) as { message: string };
    expect(body.message).toContain(`Host "evil.example:${port}" is not allowed`);
    expect(body.message).toContain('TOGAI_MOCK_ALLOWED_HOSTS (--allowed-hosts)');
    await page.close();
    // (The browser also asks the rebound name for /favicon.ico: 403 as well.)
    const rebound = seen.filter((s) => s.host === `evil.example:${port}`);
    expect(rebound.filter((s) => s.url.startsWith('/_mock/')).map((s) => `${s.url} ${s.status}`)).toEqual([
      '/_mock/ui/ 403',
      '/_mock/requests 403',
    ]);
    expect(rebound.every((s) => s.status === 403)).toBe(true);
    expect(creditCount()).toBe(1);
  }, 60_000);

  it("lets the mock's own page reset (same origin)", async () => {
    const page = await browser.newPage();
    await page.goto(`${mock.url}/_mock/ui/`);
    const status = await page.evaluate("fetch('/_mock/reset', { method: 'POST' }).then((r) => r.status)");
    await page.close();
    expect(status).toBe(204);
    expect(creditCount()).toBe(0);
    // Chromium names the page's origin, the mock's own.
    expect(seen.filter((s) => s.url === '/_mock/reset').at(-1)).toMatchObject({ origin: mock.url, status: 204 });
  }, 60_000);
});
