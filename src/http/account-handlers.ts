// The Togai API handlers of customers (with contacts), accounts (with
// aliases) and the account's wallet (spec/togai-accounts.yaml), by
// operationId. An operation of that document without a handler here answers
// 501 (app.ts mounts them with pipeline.ts's notImplemented).

import type { OperationHandler } from './pipeline.js';

export const accountHandlers: Readonly<Record<string, OperationHandler>> = Object.freeze({});
