// The control API under /_mock, mounted from its own spec with the same
// pipeline as the Togai API. Control calls pick a tenant with
// `X-Mock-Tenant: <credential>` when tenants are isolated.

import express, { type Request, type Router } from 'express';
import { mountOperations } from '../http/pipeline.js';
import type { MockRuntime } from '../runtime.js';
import { SHARED_TENANT } from '../store/store.js';
import { controlHandlers } from './handlers.js';

export function controlTenantKey(runtime: MockRuntime, req: Request): string {
  const header = req.headers['x-mock-tenant'];
  const credential = Array.isArray(header) ? header[0] : header;
  if (!runtime.options.isolateTenants || credential === undefined || credential === '') return SHARED_TENANT;
  return runtime.tenantKeyForCredential(credential);
}

export function controlRouter(runtime: MockRuntime): Router {
  const router = express.Router();
  mountOperations(router, runtime, runtime.control.operations, {
    tenantOf: (req) => runtime.tenant(controlTenantKey(runtime, req)),
    handlers: controlHandlers,
  });
  return router;
}
