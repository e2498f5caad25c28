// The Togai API handlers of event ingestion and event management
// (spec/togai-accounts.yaml), by operationId. An operation of that document
// without a handler here answers 501 (app.ts mounts them with pipeline.ts's
// notImplemented).

import type { OperationHandler } from './pipeline.js';

export const eventHandlers: Readonly<Record<string, OperationHandler>> = Object.freeze({});
