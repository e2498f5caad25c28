// Serves the dashboard (/_mock/ui) and the API reference (/_mock/docs) from
// the mock itself: plain static files from src/ui/, Swagger UI from the
// installed swagger-ui-dist, and our spec/ documents as YAML or JSON. Nothing
// here touches state: the pages are public, and every data call they make
// goes to the /_mock control API, where the admin guard applies.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express, { type Request, type RequestHandler, type Router } from 'express';
import { MockError } from '../domain/errors.js';
import { ACCOUNTS_SPEC_FILE, CONTROL_SPEC_FILE, CREDITS_SPEC_FILE, loadSpec } from '../spec/load.js';

/**
 * The static files live in src/ui/ (no build step), found from src/ui (tests,
 * tsx) and dist/ui (built) alike, the way src/spec/load.ts finds spec/.
 */
export const UI_DIR = fileURLToPath(new URL('../../src/ui/static/', import.meta.url));
export const DOCS_DIR = fileURLToPath(new URL('../../src/ui/docs/', import.meta.url));

/** The documents /_mock/docs offers, by the name used in its URLs. */
const SPECS: Record<string, string> = {
  'togai-credits': CREDITS_SPEC_FILE,
  'togai-accounts': ACCOUNTS_SPEC_FILE,
  'togai-mock-control': CONTROL_SPEC_FILE,
};

// Only our own origin: the pages load nothing from elsewhere and call only
// the mock. Swagger UI sets inline styles and uses data: images.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

// Always revalidate: after an upgrade the browser must not keep old scripts.
const staticOptions = { index: 'index.html', redirect: true, maxAge: 0, dotfiles: 'ignore' as const };

const SWAGGER_ASSET = /^\/(?:swagger-ui(?:-bundle|-standalone-preset)?\.(?:js|css)(?:\.map)?|favicon-\d+x\d+\.png)$/;

/** swagger-ui-dist's folder, resolved on first use so start-up never pays for it. */
function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  try {
    // absolute-path.js alone: the package's main module would load the whole browser bundle.
    const absolutePath = require('swagger-ui-dist/absolute-path.js') as () => string;
    return absolutePath();
  } catch {
    throw new MockError('not_found', 'The API reference needs the swagger-ui-dist package, which is not installed');
  }
}

/** The mock's own origin as the caller sees it, so "Try it out" calls this server. */
function originOf(req: Request): string | undefined {
  const host = req.get('host');
  return host === undefined || !/^[\w.:[\]-]{1,300}$/.test(host) ? undefined : `${req.protocol}://${host}`;
}

export function uiRouter(): Router {
  const router = express.Router();

  if (!existsSync(UI_DIR) || !existsSync(DOCS_DIR)) {
    // A package trimmed without src/ui/: say so instead of a bare 404.
    router.get(['/_mock/ui', '/_mock/ui/*rest', '/_mock/docs', '/_mock/docs/*rest'], () => {
      throw new MockError('not_found', 'The dashboard files (src/ui/) are not part of this installation');
    });
    return router;
  }

  router.use('/_mock/ui', securityHeaders, express.static(UI_DIR, staticOptions));

  router.get('/_mock/docs/specs/:file', (req, res) => {
    const m = /^([\w-]+)\.(json|yaml)$/.exec(req.params.file);
    const file = m ? SPECS[m[1]!] : undefined;
    if (!m || file === undefined) {
      throw new MockError(
        'not_found',
        `No such document; try ${Object.keys(SPECS)
          .map((s) => `${s}.yaml or ${s}.json`)
          .join(', ')}`,
      );
    }
    res.setHeader('Cache-Control', 'no-cache');
    if (m[2] === 'yaml') {
      res.type('application/yaml').sendFile(file);
      return;
    }
    // The JSON form names this very server first, so Swagger UI's "Try it out"
    // reaches it whatever port it runs on; the YAML is the file as written.
    const doc = loadSpec(file);
    const origin = originOf(req);
    const servers = origin ? [{ url: origin, description: 'this togai-mock' }, ...(doc.servers ?? [])] : doc.servers;
    res.type('application/json').send(JSON.stringify({ ...doc, servers }));
  });

  let swaggerAssets: RequestHandler | undefined;
  router.use('/_mock/docs/assets', (req, res, next) => {
    // Only what docs/index.html loads, not the package's own petstore demo page.
    if (!SWAGGER_ASSET.test(req.path)) return next();
    swaggerAssets ??= express.static(swaggerUiDir(), { index: false, maxAge: 0 });
    swaggerAssets(req, res, next);
  });
  router.use('/_mock/docs', securityHeaders, express.static(DOCS_DIR, staticOptions));

  // These two folders are ours: a missing file is a 404 for everyone, not a
  // 401 from the control API's admin guard.
  router.all(['/_mock/ui/*rest', '/_mock/docs/*rest'], (req) => {
    throw new MockError(
      'not_found',
      `No such file: ${req.method} ${req.path.length > 200 ? `${req.path.slice(0, 200)}...` : req.path}`,
    );
  });
  return router;
}
