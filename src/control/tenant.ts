// Which tenant a control call acts on, resolved once per call. With isolated
// tenants, the call names a credential in `X-Mock-Tenant` and acts on that
// credential's tenant; without the header (or without isolation) it acts on
// the shared tenant.

import type { Request } from 'express';
import { SHARED_TENANT } from '../store/machine/store.js';

/**
 * What a control handler is given besides the request: the key of the
 * tenant whose data it reads and changes, and its scope for calls that can
 * act on all tenants at once (reset, faults, journal): the key X-Mock-Tenant
 * named, or undefined when the call named none (every tenant; the data calls
 * then use the shared one).
 */
export interface ControlContext {
  tenantKey: string;
  scope: string | undefined;
}

/**
 * Resolves a control call's context. `tenantKeyOf` turns a credential into
 * its tenant key; undefined when tenants are not isolated (the header is
 * then ignored).
 */
export function controlContext(tenantKeyOf: ((credential: string) => string) | undefined) {
  return (req: Request): ControlContext => {
    const scope = tenantKeyOf === undefined ? undefined : namedTenantKey(req, tenantKeyOf);
    return { tenantKey: scope ?? SHARED_TENANT, scope };
  };
}

function namedTenantKey(req: Request, tenantKeyOf: (credential: string) => string): string | undefined {
  const header = req.headers['x-mock-tenant'];
  const credential = Array.isArray(header) ? header[0] : header;
  if (credential === undefined || credential.trim() === '') return undefined;
  return tenantKeyOf(credential.trim());
}
