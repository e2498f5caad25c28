// The one place where failures become HTTP responses. Whatever is thrown (a
// MockError from the domain, a body-parser error, a bug) leaves as Togai's
// `{"message": "..."}` with a fitting status: never a stack trace, never
// Express's HTML error page.

import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { MockError, type ErrorKind } from '../domain/errors.js';
import { LogCorruptError, LogUnavailableError, SnapshotNeededError } from '../store/backends/types.js';
import { sendJson } from './respond.js';

export const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  insufficient_storage: 507,
};

/** Togai documents messages of at most 500 characters. */
export const MAX_MESSAGE = 500;

export function clipMessage(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 3)}...`;
}

interface BodyParserError {
  type?: string;
  status?: number;
  charset?: string;
  encoding?: string;
  limit?: number;
}

/**
 * Errors thrown by express.json() (the fallback still reads bodies with it) carry a `type`; give each a clear message.
 */
function fromBodyParser(err: BodyParserError): MockError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new MockError('invalid', 'Request body is not valid JSON');
    case 'entity.too.large':
      return new MockError('too_large', 'Request body is larger than the 1 MiB limit');
    case 'charset.unsupported':
      return new MockError(
        'unsupported_media_type',
        `Request body charset ${String(err.charset ?? '').toUpperCase()} is not supported; send UTF-8 JSON`,
      );
    case 'encoding.unsupported':
      return new MockError('unsupported_media_type', `Content-Encoding ${String(err.encoding)} is not supported`);
    case 'request.aborted':
      return new MockError('invalid', 'Request body was cut off before it was complete');
    case 'request.size.invalid':
      return new MockError('invalid', 'Request body is shorter than its Content-Length');
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new MockError('internal', 'Request body could not be read');
    default:
      return undefined;
  }
}

export function toMockError(err: unknown): MockError {
  if (err instanceof MockError) return err;
  // The state could not be saved or read: a disk error, Redis unreachable or refusing, entries
  // this process cannot read (the engine usually says so itself, as a MockError; the journal and
  // the rate limit's counts on Redis do not). A 503 that says why, never a stale or invented answer.
  if (err instanceof LogUnavailableError || err instanceof LogCorruptError || err instanceof SnapshotNeededError) {
    return new MockError('unavailable', err.message);
  }
  if (typeof err === 'object' && err !== null) {
    const mapped = fromBodyParser(err as BodyParserError);
    if (mapped) return mapped;
    const status = (err as BodyParserError).status;
    if (status === 400) {
      // Express's router fails to decode a path like /credits/%E0%A4; zlib fails on a body that is not what its
      // Content-Encoding says.
      if (err instanceof URIError) return new MockError('invalid', 'URL path is not valid percent-encoded UTF-8');
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('Z_')) {
        return new MockError(
          'invalid',
          'Request body could not be decompressed: it does not match its Content-Encoding',
        );
      }
      return new MockError('invalid', 'Bad request');
    }
  }
  return new MockError('internal', 'Internal error in togai-mock (see its log)');
}

/** Togai's error body, `{"message"}`, with the status of the error's kind and its headers. */
export function sendError(res: ServerResponse, error: MockError): void {
  sendMessage(res, STATUS[error.kind], error.message, error.headers);
}

/** `{"message"}` with any status: also for injected faults, whose status is the rule's. */
export function sendMessage(
  res: ServerResponse,
  status: number,
  message: string,
  headers?: Record<string, string>,
): void {
  if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, status, JSON.stringify({ message: clipMessage(message) }));
}

/** The last Express layer: any error as Togai's `{"message"}`; internal ones are logged with the request. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toMockError(err);
    if (error.kind === 'internal') logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(res, error);
  };
}
