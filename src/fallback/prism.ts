// The rest of Togai (--fallback-spec): every route that is not one of our
// stateful operations is answered from a user-supplied OpenAPI document (e.g.
// Togai's full published spec) by Stoplight Prism: it picks the operation,
// validates the request and answers with the document's examples (or a
// response built from its schema). Runs after our routes, before the 404.
//
// Prism's own router, mocker and validator do the work; around them we keep
// the house rules: authentication is ours (same credentials, token list and
// messages as the Credits API), and every failure leaves as a MockError so
// clients see Togai's {"message"} body rather than Prism's problem+json.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type * as PrismHttp from '@stoplight/prism-http';
import type { Logger } from 'pino';
import { MockError, type ErrorKind } from '../domain/errors.js';
import { BODY_LIMIT_BYTES, hasBody } from '../http/body.js';
import type { Guard } from '../http/pipeline.js';
import { scopeOf } from '../http/request-scope.js';
import { OptionError, type LogLevel } from '../options.js';
import { HTTP_METHODS } from '../spec/load.js';

type Operation = Awaited<ReturnType<typeof PrismHttp.getHttpOperationsFromSpec>>[number];
type HttpRequest = PrismHttp.IHttpRequest;
type Route = PrismHttp.PrismHttpComponents['route'];
type Diagnostic = { path?: string[]; code?: string | number; message: string; severity: number };

/** DiagnosticSeverity.Error in @stoplight/types. */
const SEVERITY_ERROR = 0;

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'invalid',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'invalid',
  429: 'rate_limited',
  503: 'unavailable',
};

// The same 1 MiB limit as the mock's own body reader.
const jsonBody = express.json({
  limit: BODY_LIMIT_BYTES,
  strict: false,
  type: ['application/json', 'application/*+json'],
});
// Anything else reaches Prism as text, which checks it against the operation's media types.
const textBody = express.text({ limit: BODY_LIMIT_BYTES, type: () => true });

/** Runs an Express middleware as a promise (it may throw, fail via next, or pass). */
function run(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((done, fail) => {
    try {
      void mw(req, res, (err?: unknown) => (err ? fail(err) : done()));
    } catch (err) {
      fail(err);
    }
  });
}

/** Prism's messages already name the place ("Request body property event.name must be string"). */
function violationMessage(violations: Diagnostic[]): string {
  return `Invalid request: ${violations.map((v) => v.message).join('; ')}`;
}

function isSecured(op: Operation): boolean {
  // An empty alternative ({}) in the security list makes credentials optional.
  const alternatives = op.security ?? [];
  return alternatives.length > 0 && alternatives.every((alt) => alt.length > 0);
}

export interface FallbackParts {
  logger: Logger;
  logLevel: LogLevel;
  /** The Togai API's authentication stage: same credentials, same messages. */
  authenticate: Guard;
}

/** Loads the document and returns the middleware; a missing or broken file is an OptionError. */
export async function loadFallback(
  file: string,
  { logger: log, logLevel, authenticate: auth }: FallbackParts,
): Promise<RequestHandler> {
  const path = resolve(file);
  if (!existsSync(path)) throw new OptionError(`--fallback-spec: no such file ${file}`);
  // Loaded only when asked for: Prism is large and most runs never need it.
  const prism = await import('@stoplight/prism-http');
  const require = createRequire(import.meta.url);
  // Prism's router is not re-exported; we route first so authentication can run before validation.
  const route = (require('@stoplight/prism-http/dist/router/index.js') as { default: Route }).default;

  let operations: Operation[];
  try {
    operations = await prism.getHttpOperationsFromSpec(path);
  } catch (err) {
    throw new OptionError(
      `--fallback-spec ${file} could not be read as OpenAPI: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (operations.length === 0) throw new OptionError(`--fallback-spec ${file} has no operations`);

  // Prism narrates every request, and logs a client's invalid request as an error; our access
  // log already records each request, so Prism's voice is heard only at debug and trace.
  const quiet = ['debug', 'trace', 'silent'].includes(logLevel) ? logLevel : 'fatal';
  const logger = log.child({ component: 'fallback' }, { level: quiet });
  Object.assign(logger, { success: logger.info.bind(logger) });
  const config: PrismHttp.IHttpConfig = {
    mock: { dynamic: false },
    checkSecurity: false,
    validateRequest: true,
    validateResponse: false,
    errors: false,
    upstreamProxy: undefined,
    isProxy: false,
  };
  const instance = prism.createInstance(config, {
    logger: logger as unknown as PrismHttp.PrismHttpComponents['logger'],
  });
  log.info({ file: path, operations: operations.length }, 'fallback spec loaded');

  const allowedMethods = (input: HttpRequest): string[] =>
    HTTP_METHODS.filter((method) => route({ resources: operations, input: { ...input, method } })._tag === 'Right').map(
      (m) => m.toUpperCase(),
    );

  return async (req, res, next) => {
    const url = new URL(req.originalUrl, 'http://togai-mock');
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      query[key] = values.length === 1 ? values[0]! : values;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const input: HttpRequest = {
      method: req.method.toLowerCase() as HttpRequest['method'],
      url: { path: url.pathname, query },
      headers,
    };

    const matched = route({ resources: operations, input });
    if (matched._tag === 'Left') {
      if ((matched.left as { status?: number }).status === 405) {
        const allow = allowedMethods(input).join(', ');
        throw new MockError(
          'method_not_allowed',
          `Method ${req.method} is not allowed on ${url.pathname}; allowed: ${allow}`,
          {
            Allow: allow,
          },
        );
      }
      next(); // not in the fallback document either: our 404
      return;
    }
    const operation = matched.right;
    const scope = scopeOf(req);
    scope.operationId = operation.iid ?? operation.id;
    // A pipeline guard: it throws to refuse, answers false when it has answered itself.
    if (isSecured(operation) && !(await auth(req, res, scope))) return;
    if (hasBody(req)) {
      await run(req.is(['application/json', 'application/*+json']) ? jsonBody : textBody, req, res);
      input.body = req.body;
    }

    const result = await instance.request(input, [operation], config)();
    if (result._tag === 'Left') {
      const err = result.left as Error & {
        status?: number;
        detail?: string;
        additional?: { validation?: Diagnostic[] };
      };
      const violations = err.additional?.validation;
      const message = violations?.length ? violationMessage(violations) : (err.detail ?? err.message);
      const kind = KIND_BY_STATUS[err.status ?? 500] ?? 'internal';
      if (kind === 'internal') log.error({ err, path: url.pathname }, 'fallback failed');
      throw new MockError(kind, message);
    }
    const errors = (result.right.validations.input as Diagnostic[]).filter((v) => v.severity === SEVERITY_ERROR);
    if (errors.length > 0) {
      const contentType = errors.find((v) => v.code === 415);
      if (contentType) throw new MockError('unsupported_media_type', contentType.message);
      throw new MockError('invalid', violationMessage(errors));
    }
    const { statusCode, headers: outHeaders, body } = result.right.output;
    res.status(statusCode);
    for (const [name, value] of Object.entries(outHeaders ?? {})) res.setHeader(name, value);
    if (body === undefined || body === null) res.end();
    else if (typeof body === 'string') res.send(body);
    else res.send(JSON.stringify(body));
  };
}
