// The control API under /_mock, mounted from its own spec with the same
// pipeline as the Togai API. Control calls pick a tenant with
// `X-Mock-Tenant: <credential>` when tenants are isolated (see tenant.ts).
//
// The admin guard sits in front of every /_mock route that reaches this
// router (also unknown ones, so a guarded mock does not even reveal which
// control routes exist), except the health check.

import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { MockError } from '../domain/errors.js';
import { mountOperations } from '../http/pipeline.js';
import type { MockRuntime } from '../runtime.js';
import { controlHandlers } from './handlers.js';
import { controlTenantKey } from './tenant.js';

export { controlTenantKey, explicitTenantKey } from './tenant.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** 401 unless the call carries `Authorization: Bearer <adminToken>`; open when no token is configured. */
export function adminGuard(runtime: MockRuntime): RequestHandler {
  const token = runtime.options.adminToken;
  const expected = token === undefined || token === '' ? undefined : digest(token);
  return (req, _res, next) => {
    if (expected === undefined || ((req.method === 'GET' || req.method === 'HEAD') && req.path === '/health')) {
      next();
      return;
    }
    const m = /^Bearer[ \t]+(\S.*)$/i.exec((req.headers.authorization ?? '').trim());
    // Compared as hashes: equal length for timingSafeEqual, and no timing hint about the token.
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), expected)) {
      throw new MockError(
        'unauthorized',
        m
          ? 'Invalid admin token for the control API'
          : 'The control API needs Authorization: Bearer <admin token> (TOGAI_MOCK_ADMIN_TOKEN is set)',
        { 'WWW-Authenticate': 'Bearer realm="togai-mock control"' },
      );
    }
    next();
  };
}

export function controlRouter(runtime: MockRuntime): Router {
  const router = express.Router();
  router.use('/_mock', adminGuard(runtime));
  mountOperations(router, runtime, runtime.control.operations, {
    tenantOf: (req) => runtime.tenant(controlTenantKey(runtime, req)),
    handlers: controlHandlers,
  });
  return router;
}
