// Which tenant a control call acts on. With isolated tenants, the call names
// a credential in `X-Mock-Tenant` and acts on that credential's tenant;
// without the header (or without isolation) it acts on the shared tenant.

import type { Request } from 'express';
import type { MockRuntime } from '../runtime.js';
import { SHARED_TENANT } from '../store/store.js';

/** The tenant key named by X-Mock-Tenant, when tenants are isolated and the header is given. */
export function explicitTenantKey(runtime: MockRuntime, req: Request): string | undefined {
  const header = req.headers['x-mock-tenant'];
  const credential = Array.isArray(header) ? header[0] : header;
  if (!runtime.options.isolateTenants || credential === undefined || credential.trim() === '') return undefined;
  return runtime.tenantKeyForCredential(credential.trim());
}

export function controlTenantKey(runtime: MockRuntime, req: Request): string {
  return explicitTenantKey(runtime, req) ?? SHARED_TENANT;
}
