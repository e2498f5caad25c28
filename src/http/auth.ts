// Togai's two security schemes: `Authorization: Bearer <token>` (bearerAuth)
// and `X-API-Key: <key>` (apiKeyAuth). Any non-empty credential is accepted
// unless a token list is configured. The credential picks the tenant.

import type { Request, Response } from 'express';
import { MockError } from '../domain/errors.js';
import type { MockRuntime } from '../runtime.js';
import type { Guard } from './pipeline.js';

/** The credential a request carries, or undefined. Bearer wins over X-API-Key. */
export function credentialOf(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+(\S.*)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const key = req.headers['x-api-key'];
  const k = Array.isArray(key) ? key[0] : key;
  if (k !== undefined && k.trim() !== '') return k.trim();
  return undefined;
}

export function authenticate(runtime: MockRuntime): Guard {
  const allowed = new Set(runtime.options.tokens);
  return (req: Request, res: Response) => {
    const credential = credentialOf(req);
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
    res.locals.credential = credential;
    res.locals.tenantKey = runtime.tenantKeyForCredential(credential);
    return true;
  };
}
