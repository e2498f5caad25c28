// Mounts the operations of a compiled spec on an Express router, each as the
// same visible pipeline: [auth] -> JSON body -> validate -> handler -> respond.
// Used for the Togai API and for the mock's own control API alike.

import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { MockError } from '../domain/errors.js';
import { check, type CompiledOperation } from '../spec/operations.js';
import type { Tenant } from '../store/store.js';
import type { MockRuntime } from '../runtime.js';
import { verifyJsonText } from './json-text.js';
import { respond } from './respond.js';

export interface OperationInput {
  runtime: MockRuntime;
  tenant: Tenant;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  req: Request;
}

export interface OperationResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type OperationHandler = (input: OperationInput) => OperationResult | Promise<OperationResult>;

export const BODY_LIMIT = '1mb';

// verify: UTF-8 only, and no field named twice (see json-text.ts).
const jsonBody = express.json({
  limit: BODY_LIMIT,
  strict: false,
  type: ['application/json', 'application/*+json'],
  verify: verifyJsonText,
});

const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

/** Rejects bodies that are not JSON before they are read. */
const requireJson: RequestHandler = (req, _res, next) => {
  if (hasBody(req) && !req.is(['application/json', 'application/*+json'])) {
    const type = req.headers['content-type'];
    throw new MockError(
      'unsupported_media_type',
      type === undefined ? 'Content-Type header is missing; send application/json' : 'Content-Type must be application/json',
    );
  }
  next();
};

export interface MountOptions {
  /** Run before body parsing, e.g. authentication. */
  before?: (op: CompiledOperation) => RequestHandler[];
  /** The tenant a request works in. */
  tenantOf: (req: Request, res: Response) => Tenant;
  handlers: Record<string, OperationHandler>;
}

export function mountOperations(router: Router, runtime: MockRuntime, ops: CompiledOperation[], options: MountOptions): void {
  const allowed = new Map<string, string[]>();
  for (const op of ops) {
    const handler = options.handlers[op.operationId];
    if (!handler) throw new Error(`spec operation ${op.operationId} has no handler`);
    const stages: RequestHandler[] = [...(options.before?.(op) ?? [])];
    if (op.body) stages.push(requireJson, jsonBody);
    stages.push(async (req, res) => {
      res.locals.operationId = op.operationId;
      const params = { ...(req.params as Record<string, string>) };
      if (op.pathParams) check(op.pathParams, params, 'path');
      const query = { ...(req.query as Record<string, unknown>) };
      if (op.queryParams) check(op.queryParams, query, 'query');
      let body: unknown = req.body;
      if (op.body) {
        if (body === undefined) {
          if (op.body.required) throw new MockError('invalid', 'Request body is required (application/json)');
        } else {
          check(op.body.validate, body, 'request body');
        }
      }
      const tenant = options.tenantOf(req, res);
      const result = await handler({ runtime, tenant, params, query, body, req });
      if (result.headers) res.set(result.headers);
      respond(runtime, res, op, result.status, result.body);
    });
    // Tag the operation before anything can fail, so the journal knows it.
    router[op.method](op.expressPath, (_req, res, next) => {
      res.locals.operationId = op.operationId;
      next();
    }, ...stages);
    const methods = allowed.get(op.expressPath) ?? [];
    methods.push(op.method.toUpperCase());
    allowed.set(op.expressPath, methods);
  }
  // A known path with a method it does not support: 405 with Allow.
  for (const [path, methods] of allowed) {
    if (methods.includes('GET')) methods.push('HEAD');
    const allow = [...methods, 'OPTIONS'].join(', ');
    router.options(path, (_req, res) => {
      res.set('Allow', allow).status(204).end();
    });
    router.all(path, (req) => {
      throw new MockError('method_not_allowed', `Method ${req.method} is not allowed on ${path}; allowed: ${allow}`, {
        Allow: allow,
      });
    });
  }
}
