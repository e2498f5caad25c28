// The mock's one error type. Anything that can go wrong for a client throws a
// MockError with a kind; src/http/errors.ts is the only place that turns kinds
// into HTTP statuses and Togai's {"message"} body.

export type ErrorKind =
  | 'invalid' // 400: the request is wrong
  | 'unauthorized' // 401: missing or unknown credentials
  | 'forbidden' // 403
  | 'not_found' // 404: unknown credit, account or route
  | 'method_not_allowed' // 405
  | 'conflict' // 409
  | 'too_large' // 413
  | 'unsupported_media_type' // 415
  | 'rate_limited' // 429
  | 'insufficient_storage' // 507: a store cap reached (events)
  | 'internal' // 500: a bug in togai-mock
  | 'unavailable'; // 503

export class MockError extends Error {
  readonly kind: ErrorKind;
  /** Extra response headers (e.g. Allow, Retry-After). */
  readonly headers: Record<string, string> | undefined;

  constructor(kind: ErrorKind, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = 'MockError';
    this.kind = kind;
    this.headers = headers;
  }
}

export const invalid = (message: string): MockError => new MockError('invalid', message);
export const notFound = (message: string): MockError => new MockError('not_found', message);
