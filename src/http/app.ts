// The Express application: request id and access log, the control API under
// /_mock, the Togai Credits API mounted from spec/, then 404 and the single
// error mapping.

import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { controlRouter } from '../control/router.js';
import { MockError } from '../domain/errors.js';
import type { MockRuntime } from '../runtime.js';
import { uiRouter } from '../ui/router.js';
import { authenticate } from './auth.js';
import { errorHandler } from './errors.js';
import { faultStage } from './faults.js';
import { creditHandlers } from './handlers.js';
import { journalRecorder } from './journal.js';
import { operationRoutes } from './pipeline.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Accepts the caller's X-Request-Id (or makes one), echoes it, logs the
 * request when done, and lets each observer (the journal) see it: one
 * Express layer for all the per-request bookkeeping.
 */
function requestLog(runtime: MockRuntime, ...observers: Array<(req: Request, res: Response) => void>): RequestHandler {
  const log = runtime.logger;
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    // Arrivals too at debug: shows what is in flight when something hangs (and lets tests see it).
    if (log.isLevelEnabled('debug')) log.debug({ reqId: id, method: req.method, path: req.path }, 'request received');
    if (log.isLevelEnabled('info')) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        log.info(
          {
            reqId: id,
            method: req.method,
            path: req.path,
            operationId: res.locals.operationId,
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request',
        );
      });
    }
    for (const observe of observers) observe(req, res);
    next();
  };
}

export interface AppExtras {
  /** Answers routes that are not ours (--fallback-spec); runs just before the 404. */
  fallback?: RequestHandler | undefined;
}

/**
 * Runs `handler` only for paths under /_mock. Without it every Togai API
 * call is first matched against each control and UI route (some 70 router
 * layers), a cost paid on every request (issue 6).
 */
function underMock(handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    if (req.path.startsWith('/_mock')) handler(req, res, next);
    else next();
  };
}

export function createApp(runtime: MockRuntime, extras: AppExtras = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // The journal records Togai API traffic (not /_mock calls) for GET /_mock/requests.
  app.use(requestLog(runtime, journalRecorder(runtime, app)));
  // Dashboard and API reference: public static pages, mounted before the
  // control API so its admin guard stays on the data they fetch, not the files.
  const mock = express.Router();
  mock.use(uiRouter(), controlRouter(runtime));
  app.use(underMock(mock));

  const auth = authenticate(runtime);
  const api = operationRoutes(runtime, runtime.credits.operations, {
    // Faults, the rate limit and Prefer: code act after auth (they need the
    // credential) and before the body is read and the handler runs.
    before: (op) => [...(op.secured ? [auth] : []), faultStage(runtime, op)],
    tenantOf: (_req, res) => runtime.tenant(res.locals.tenantKey as string),
    handlers: creditHandlers,
  });
  app.use(api);
  if (extras.fallback) app.use(extras.fallback);

  app.use((req) => {
    const path = req.path.length > 200 ? `${req.path.slice(0, 200)}...` : req.path;
    throw new MockError('not_found', `No such route: ${req.method} ${path}`);
  });
  app.use(errorHandler(runtime));
  return app;
}
