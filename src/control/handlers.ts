// The control API's operations (spec/togai-mock-control.yaml), named after
// their operationIds. Thin: each one asks the store or the domain.

import type { OperationHandler } from '../http/pipeline.js';
import { providerStateHandlers } from './providerStates.js';

export const controlHandlers: Record<string, OperationHandler> = {
  ...providerStateHandlers,

  health() {
    return { status: 200, body: { status: 'ok' } };
  },

  reset({ runtime, req }) {
    const tenantHeader = req.headers['x-mock-tenant'];
    if (runtime.options.isolateTenants && typeof tenantHeader === 'string' && tenantHeader !== '') {
      runtime.store.resetTenant(runtime.tenantKeyForCredential(tenantHeader));
    } else {
      runtime.store.reset();
    }
    return { status: 204 };
  },
};
