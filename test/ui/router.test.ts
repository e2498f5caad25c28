// The dashboard and API reference are served by the mock itself: static
// files, Swagger UI from swagger-ui-dist, our spec/ as YAML and JSON. The
// pages are public; the data they show stays behind the admin token.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACCOUNTS_SPEC_FILE, CONTROL_SPEC_FILE, CREDITS_SPEC_FILE } from '../../src/spec/load.js';
import { startTestMock } from '../helpers/mock.js';

const ADMIN = 'ui-admin-secret';
const mock = await startTestMock({ adminToken: ADMIN });

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${mock.url}${path}`, { redirect: 'manual', headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('GET /_mock/ui', () => {
  it('redirects to the slash form so relative asset URLs resolve', async () => {
    const res = await get('/_mock/ui');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/_mock/ui/');
  });

  it('serves the page and its modules without the admin token, with a same-origin-only CSP', async () => {
    const page = await get('/_mock/ui/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="app.js">');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    for (const file of [
      'app.js',
      'api.js',
      'dom.js',
      'accounts.js',
      'chart.js',
      'journal.js',
      'controls.js',
      'json-view.js',
    ]) {
      const res = await get(`/_mock/ui/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toMatch(/javascript/);
    }
    expect((await get('/_mock/ui/style.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('loads nothing from outside the mock and renders data without innerHTML', async () => {
    const html = (await get('/_mock/ui/')).text + (await get('/_mock/docs/')).text;
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const file of [
      'app.js',
      'api.js',
      'dom.js',
      'accounts.js',
      'chart.js',
      'journal.js',
      'controls.js',
      'json-view.js',
    ]) {
      const js = (await get(`/_mock/ui/${file}`)).text;
      expect(js, file).not.toMatch(/\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write\(/);
      // The SVG namespace name (for createElementNS) is a URI that is never fetched.
      expect(js.replaceAll("'http://www.w3.org/2000/svg'", ''), file).not.toMatch(/https?:\/\//);
    }
  });

  it('answers unknown files and paths outside the folder with the JSON 404', async () => {
    const missing = await get('/_mock/ui/nope.js');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toEqual({ message: 'No such file: GET /_mock/ui/nope.js' });
    expect((await get('/_mock/ui/..%2Frouter.ts')).status).toBe(404);
    // fetch folds %2e%2e into "..", leaving the folder: the control API's guard answers.
    const outside = await get('/_mock/ui/%2e%2e/router.ts');
    expect(outside.status).not.toBe(200);
    expect(outside.text).not.toContain('uiRouter');
  });

  it('keeps the data the page shows behind the admin token', async () => {
    expect((await get('/_mock/accounts')).status).toBe(401);
    expect((await get('/_mock/requests')).status).toBe(401);
    expect((await get('/_mock/accounts', { authorization: `Bearer ${ADMIN}` })).status).toBe(200);
  });
});

describe('GET /_mock/docs', () => {
  it('serves Swagger UI from swagger-ui-dist and our own initializer', async () => {
    const page = await get('/_mock/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('assets/swagger-ui-bundle.js');
    const bundle = await get('/_mock/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
    expect((await get('/_mock/docs/assets/swagger-ui.css')).status).toBe(200);
    const init = await get('/_mock/docs/docs.js');
    expect(init.text).toContain('specs/togai-credits.json');
    expect(init.text).toContain('specs/togai-accounts.json');
    expect(init.text).not.toContain('petstore');
    // Only the files the page needs, not the package's demo page.
    expect((await get('/_mock/docs/assets/index.html')).status).toBe(404);
    expect((await get('/_mock/docs/assets/package.json')).status).toBe(404);
  });

  it('offers every document as the YAML in spec/ and as JSON naming this server first', async () => {
    for (const [name, file] of [
      ['togai-credits', CREDITS_SPEC_FILE],
      ['togai-accounts', ACCOUNTS_SPEC_FILE],
      ['togai-mock-control', CONTROL_SPEC_FILE],
    ] as const) {
      const yaml = await get(`/_mock/docs/specs/${name}.yaml`);
      expect(yaml.status).toBe(200);
      expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
      expect(yaml.text).toBe(readFileSync(file, 'utf8'));

      const json = await get(`/_mock/docs/specs/${name}.json`);
      expect(json.status).toBe(200);
      const doc = JSON.parse(json.text);
      const original = parse(readFileSync(file, 'utf8'));
      expect(doc.paths).toEqual(original.paths);
      expect(doc.servers[0]).toEqual({ url: mock.url, description: 'this togai-mock' });
      expect(doc.servers.slice(1)).toEqual(original.servers ?? []);
    }
  });

  it('names the documents it has when asked for another', async () => {
    const res = await get('/_mock/docs/specs/secrets.json');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).message).toContain('togai-credits.yaml');
    expect(JSON.parse(res.text).message).toContain('togai-accounts.yaml');
    expect((await get('/_mock/docs/specs/..%2Fpackage.json')).status).toBe(404);
  });
});
