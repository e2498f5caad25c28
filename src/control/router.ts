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
import { bearerToken } from '../http/auth.js';
import { operationRoutes } from '../http/pipeline.js';
import type { SelfCheck } from '../http/respond.js';
import { controlHandlers, type ControlParts } from './handlers.js';
import { controlContext } from './tenant.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** 401 unless the call carries `Authorization: Bearer <adminToken>`; open when no token is configured. */
export function adminGuard(adminToken: string | undefined): RequestHandler {
  const expected = adminToken === undefined || adminToken === '' ? undefined : digest(adminToken);
  return (req, _res, next) => {
    if (expected === undefined || ((req.method === 'GET' || req.method === 'HEAD') && req.path === '/health')) {
      next();
      return;
    }
    const token = bearerToken(req.headers.authorization);
    // Compared as hashes: equal length for timingSafeEqual, and no timing hint about the token.
    if (token === undefined || !timingSafeEqual(digest(token), expected)) {
      throw new MockError(
        'unauthorized',
        token !== undefined
          ? 'Invalid admin token for the control API'
          : 'The control API needs Authorization: Bearer <admin token> (TOGAI_MOCK_ADMIN_TOKEN is set)',
        { 'WWW-Authenticate': 'Bearer realm="togai-mock control"' },
      );
    }
    next();
  };
}

export interface ControlRouterOptions {
  /** TOGAI_MOCK_ADMIN_TOKEN: when set, every call but the health check needs it. */
  adminToken: string | undefined;
  /** A credential's tenant key when tenants are isolated; undefined when they are not. */
  tenantKeyOf: ((credential: string) => string) | undefined;
  selfCheck?: SelfCheck | undefined;
}

export function controlRouter(parts: ControlParts, options: ControlRouterOptions): Router {
  const router = express.Router();
  router.use('/_mock', adminGuard(options.adminToken));
  router.use(
    operationRoutes(parts.control.operations, {
      contextOf: controlContext(options.tenantKeyOf),
      handlers: controlHandlers(parts),
      selfCheck: options.selfCheck,
    }),
  );
  return router;
}
