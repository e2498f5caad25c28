// Serves the operations of a compiled spec, each through the same visible
// pipeline: match path and method -> guards (auth, faults) -> JSON body ->
// validate path, query and body -> handler -> respond. Used for the Togai API
// and for the mock's own control API alike. Each stage is handed the request's
// typed scope (request-scope.ts): guards fill it, the handler's context is
// resolved from it.
//
// One Express middleware per spec rather than one Express route per
// operation: the routes come from the spec's path templates, matched here
// with one precompiled pattern each, and a request that needs no guard
// promise or body never waits on a microtask. Express's per-route layers,
// body-parser and res.json() were most of the CPU of a grant (measured by bench/run.ts).

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MockError } from '../domain/errors.js';
import { check, type CompiledOperation } from '../spec/operations.js';
import { templatePattern } from '../spec/paths.js';
import type { MockAccess } from '../store/machine/apply.js';
import { readJsonBody } from './body.js';
import { scopeOf, type RequestScope } from './request-scope.js';
import { respond, type SelfCheck } from './respond.js';

/** The validated request: path parameters, query (coerced) and JSON body. */
export interface RequestParts {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

/**
 * Who a Togai API call acts for, and how it gets at the state: the tenant
 * key of its credential, and the engine (reads through engine.read, changes
 * as commands through engine.execute; which log keeps them is not its concern).
 */
export interface TenantContext {
  tenantKey: string;
  /** The engine as this request sees it (one catch-up for all its reads: MockEngine.forRequest). */
  engine: MockAccess;
}

/**
 * What a handler is given: the validated request and the context the API
 * resolved for it once (its tenant; for the control API also its scope).
 * Never the raw request: what a handler needs from it is resolved before.
 */
export type OperationInput<C = TenantContext> = C & RequestParts;

export interface OperationResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type OperationHandler<C = TenantContext> = (
  input: OperationInput<C>,
) => OperationResult | Promise<OperationResult>;

/**
 * A stage before the body is read (authentication, faults): true to go on,
 * false when it has answered the request itself; it throws a MockError to
 * refuse. A guard answers synchronously unless it has to wait. What it
 * learns for the stages after it (the credential, the fault that fired)
 * goes into the request's scope.
 */
export type Guard = (req: Request, res: Response, scope: RequestScope) => boolean | Promise<boolean>;

export interface MountOptions<C> {
  /** Guards to run before the body is read, e.g. authentication. */
  before?: (op: CompiledOperation) => Guard[];
  /** The context of a request (its tenant...), resolved once, after the guards and validation. */
  contextOf: (req: Request, scope: RequestScope) => C;
  handlers: Readonly<Record<string, OperationHandler<C>>>;
  /**
   * The handler of an operation `handlers` lacks. Without it such an
   * operation fails the mount (a spec operation nobody serves is a bug).
   */
  unhandled?: ((op: CompiledOperation) => OperationHandler<C>) | undefined;
  /** Judges each response against the spec before it is sent (validateResponses). */
  selfCheck?: SelfCheck | undefined;
}

interface Operation<C> {
  op: CompiledOperation;
  guards: Guard[];
  handler: OperationHandler<C>;
}

interface Route<C> {
  template: string;
  /** Matches the raw (still percent-encoded) path; one group per parameter. */
  pattern: RegExp;
  names: string[];
  byMethod: Map<string, Operation<C>>;
  /** The Allow header for this path. */
  allow: string;
}

function paramsOf(route: { names: string[] }, match: RegExpExecArray): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.names.length; i++) {
    const raw = match[i + 1]!;
    try {
      params[route.names[i]!] = raw.includes('%') ? decodeURIComponent(raw) : raw;
    } catch {
      throw new MockError('invalid', 'URL path is not valid percent-encoded UTF-8');
    }
  }
  return params;
}

/** Orders path templates so that, segment by segment, a literal comes before a parameter. */
function literalFirst(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const aParam = as[i]!.startsWith('{');
    const bParam = bs[i]!.startsWith('{');
    if (aParam !== bParam) return aParam ? 1 : -1;
  }
  // Templates of different lengths never match the same path; this only keeps the order total.
  return as.length - bs.length;
}

/**
 * Answers 501 for a documented operation the fake does not serve (yet): the
 * request was authenticated and validated like any other, so a client learns
 * its call was well-formed and only the fake falls short.
 */
export function notImplemented<C>(op: CompiledOperation): OperationHandler<C> {
  const body = { message: `${op.operationId} is not implemented by togai-mock` };
  return () => ({ status: 501, body });
}

/** The operation of `route` for `method` (HEAD is served by GET). */
function operationFor<C>(route: Route<C>, method: string): Operation<C> | undefined {
  return route.byMethod.get(method) ?? (method === 'HEAD' ? route.byMethod.get('GET') : undefined);
}

/** One middleware serving every operation of `ops`; other paths go on to `next`. */
export function operationRoutes<C>(ops: CompiledOperation[], options: MountOptions<C>): RequestHandler {
  const routes: Array<Route<C>> = [];
  const { selfCheck } = options;
  for (const op of ops) {
    const handler = options.handlers[op.operationId] ?? options.unhandled?.(op);
    if (!handler) throw new Error(`spec operation ${op.operationId} has no handler`);
    let route = routes.find((r) => r.template === op.path);
    if (!route) {
      route = { template: op.path, ...templatePattern(op.path), byMethod: new Map(), allow: '' };
      routes.push(route);
    }
    route.byMethod.set(op.method.toUpperCase(), { op, guards: options.before?.(op) ?? [], handler });
  }
  // A concrete path wins over a template that also matches it (OpenAPI's rule):
  // POST /events/correction is not /events/{event_id}.
  routes.sort((a, b) => literalFirst(a.template, b.template));
  for (const route of routes) {
    const methods = [...route.byMethod.keys()];
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
    route.allow = [...methods, 'OPTIONS'].join(', ');
  }

  async function serve(
    route: Route<C>,
    match: RegExpExecArray,
    operation: Operation<C>,
    req: Request,
    res: Response,
    scope: RequestScope,
  ): Promise<void> {
    const { op } = operation;
    const params = paramsOf(route, match);
    for (const guard of operation.guards) {
      const go = guard(req, res, scope);
      if (go === false || (go !== true && !(await go))) return;
    }
    let body: unknown;
    if (op.body) {
      const read = await readJsonBody(req);
      if (read !== undefined) body = req.body = read.value;
    }
    if (op.pathParams) check(op.pathParams, params, 'path');
    // Express 5 parses req.query afresh on every read: this object is ours to coerce.
    const query = req.query as Record<string, unknown>;
    if (op.queryParams) check(op.queryParams, query, 'query');
    if (op.body) {
      if (body === undefined) {
        if (op.body.required) throw new MockError('invalid', 'Request body is required (application/json)');
      } else {
        check(op.body.validate, body, 'request body');
      }
    }
    const pending = operation.handler({ ...options.contextOf(req, scope), params, query, body });
    const result = pending instanceof Promise ? await pending : pending;
    if (result.headers) for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
    respond(res, op, result.status, result.body, selfCheck);
  }

  return (req: Request, res: Response, next: NextFunction) => {
    const path = req.path;
    for (let r = 0; r < routes.length; r++) {
      const route = routes[r]!;
      const match = route.pattern.exec(path);
      if (match === null) continue;
      const operation = operationFor(route, req.method);
      // A concrete path without this method does not hide a template that has it:
      // GET /events/correction is the event with id "correction".
      if (
        operation === undefined &&
        routes.slice(r + 1).some((o) => o.pattern.test(path) && operationFor(o, req.method))
      )
        continue;
      if (operation === undefined) {
        // A known path with a method it does not support: 405 with Allow (OPTIONS: 204 with Allow).
        if (req.method === 'OPTIONS') {
          res.setHeader('Allow', route.allow);
          res.statusCode = 204;
          res.end();
        } else {
          next(
            new MockError(
              'method_not_allowed',
              `Method ${req.method} is not allowed on ${route.template}; allowed: ${route.allow}`,
              { Allow: route.allow },
            ),
          );
        }
        return;
      }
      // Tagged before anything can fail, so the journal and the log know the operation.
      const scope = scopeOf(req);
      scope.operationId = operation.op.operationId;
      serve(route, match, operation, req, res, scope).catch(next);
      return;
    }
    next();
  };
}
