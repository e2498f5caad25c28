// Assembles the Express application of one running mock: request id and
// access log (with the journal recorder), the dashboard and the control API
// under /_mock, the Togai API (credits; customers, accounts, wallet and
// events) mounted from spec/, the fallback when there is one, then 404 and
// the single error mapping. The only place that knows every part; http/ is
// the generic pipeline and the Togai API, and control/, ui/ and fallback/
// are mounted here on top of it.

import express, { type Express, type RequestHandler } from 'express';
import { controlRouter } from './control/router.js';
import { MockError } from './domain/errors.js';
import { authenticate } from './http/auth.js';
import { errorHandler } from './http/errors.js';
import { faultStage } from './http/faults.js';
import { accountHandlers } from './http/account-handlers.js';
import { eventHandlers } from './http/event-handlers.js';
import { creditHandlers } from './http/handlers.js';
import { journalRecorder } from './http/journal-recorder.js';
import { originGuard } from './http/origin-guard.js';
import { notImplemented, operationRoutes, type OperationHandler } from './http/pipeline.js';
import { requestLog } from './http/request-log.js';
import { responseSelfCheck } from './http/respond.js';
import type { MockRuntime } from './runtime.js';
import { SHARED_TENANT } from './store/machine/store.js';
import { uiRouter } from './ui/router.js';

export interface AppExtras {
  /** Answers routes that are not ours (--fallback-spec); runs just before the 404. */
  fallback?: RequestHandler | undefined;
  /**
   * Replaces Togai API handlers by operationId, of either document. For tests
   * only (e.g. one that makes a handler break the spec, to see the self-check
   * catch it).
   */
  handlers?: Readonly<Record<string, OperationHandler>> | undefined;
  /** The former name of `handlers`, still accepted; `handlers` wins where both name an operation. */
  creditHandlers?: Readonly<Record<string, OperationHandler>> | undefined;
}

/**
 * Runs `handler` only for paths under /_mock. Without it every Togai API
 * call is first matched against each control and UI route (some 70 router
 * layers), a cost paid on every request.
 */
function underMock(handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    if (req.path.startsWith('/_mock')) handler(req, res, next);
    else next();
  };
}

export function createApp(runtime: MockRuntime, extras: AppExtras = {}): Express {
  const { options, engine, logger } = runtime;
  const selfCheck = options.validateResponses ? responseSelfCheck(runtime.selfCheckFailures, logger) : undefined;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Opens each request's scope (with its view of the engine) before anything else runs.
  // The journal records Togai API traffic (not /_mock calls) for GET /_mock/requests.
  app.use(requestLog(logger, engine, journalRecorder(runtime.journal, app)));
  // Before every route: other web pages (a foreign Origin, a Host that is not ours) get 403.
  app.use(originGuard(options, logger));
  // Dashboard and API reference: public static pages, mounted before the
  // control API so its admin guard stays on the data they fetch, not the files.
  const mock = express.Router();
  mock.use(
    uiRouter(),
    controlRouter(runtime, {
      adminToken: options.adminToken,
      tenantKeyOf: options.isolateTenants ? runtime.tenantKeyForCredential : undefined,
      selfCheck,
    }),
  );
  app.use(underMock(mock));

  const auth = authenticate(options.tokens, runtime.tenantKeyForCredential);
  // Both Togai documents in one route table: their paths and operationIds do not overlap.
  const togaiHandlers = {
    ...creditHandlers,
    ...accountHandlers,
    ...eventHandlers,
    ...extras.creditHandlers,
    ...extras.handlers,
  };
  app.use(
    operationRoutes([...runtime.credits.operations, ...runtime.accounts.operations], {
      // Faults, the rate limit and Prefer: code act after auth (they need the
      // credential) and before the body is read and the handler runs.
      before: (op) => [...(op.secured ? [auth] : []), faultStage(runtime, op)],
      // The tenant was resolved once, by auth, from the credential (every Togai operation is secured;
      // one that was not would act on the shared tenant). The engine as the request's scope opened it:
      // the fault stage and the handler read after the same catch-up.
      contextOf: (_req, scope) => ({ tenantKey: scope.tenantKey ?? SHARED_TENANT, engine: scope.engine }),
      handlers: togaiHandlers,
      unhandled: notImplemented,
      selfCheck,
    }),
  );
  if (extras.fallback) app.use(extras.fallback);

  app.use((req) => {
    const path = req.path.length > 200 ? `${req.path.slice(0, 200)}...` : req.path;
    throw new MockError('not_found', `No such route: ${req.method} ${path}`);
  });
  app.use(errorHandler(logger));
  return app;
}
