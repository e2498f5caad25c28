// Togai's two security schemes: `Authorization: Bearer <token>` (bearerAuth)
// and `X-API-Key: <key>` (apiKeyAuth). Any non-empty credential is accepted
// unless a token list is configured. The credential picks the tenant.

import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'express';
import { MockError } from '../domain/errors.js';
import type { Guard } from './pipeline.js';

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined when
 * the header is missing or not of that form. The one reading of the Bearer
 * scheme: the Togai API, the control API's admin guard and `verify` all use it.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const m = /^Bearer[ \t]+(\S.*)$/i.exec(authorization.trim());
  return m ? m[1]!.trim() : undefined;
}

/** The credential a request carries, or undefined. Bearer wins over X-API-Key. */
export function credentialOf(headers: IncomingHttpHeaders): string | undefined {
  const token = bearerToken(headers.authorization);
  if (token !== undefined) return token;
  const key = headers['x-api-key'];
  const k = Array.isArray(key) ? key[0] : key;
  if (k !== undefined && k.trim() !== '') return k.trim();
  return undefined;
}

/**
 * The authentication stage: refuses a request without an accepted
 * credential, and puts the credential and its tenant key in the request's
 * scope for the stages after it (the fault stage, the journal, the handler's tenant).
 */
export function authenticate(tokens: readonly string[], tenantKeyOf: (credential: string) => string): Guard {
  const allowed = new Set(tokens);
  return (req: Request, _res, scope) => {
    const credential = credentialOf(req.headers);
    if (credential === undefined) {
      const malformed = req.headers.authorization !== undefined;
      throw new MockError(
        'unauthorized',
        malformed
          ? 'Authorization header must be "Bearer <token>"'
          : 'Missing credentials: send Authorization: Bearer <token> or X-API-Key: <key>',
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    // Never echo the credential: messages and logs may end up in CI output.
    if (allowed.size > 0 && !allowed.has(credential)) {
      throw new MockError('unauthorized', 'Invalid credentials', { 'WWW-Authenticate': 'Bearer' });
    }
    scope.credential = credential;
    scope.tenantKey = tenantKeyOf(credential);
    return true;
  };
}
