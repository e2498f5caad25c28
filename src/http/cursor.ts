// Listing cursors in the shape Togai's own tokens have: base64 of
// {"lastItemId": ..., "pageSize": ..., "sortOrder": "asc"}. The cursor names
// the last credit served, not an offset, so credits created between two pages
// neither repeat nor go missing.

import { MockError } from '../domain/errors.js';

export interface Cursor {
  lastItemId: string;
  pageSize: number;
  sortOrder: 'asc';
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64');
}

const malformed = (why: string): MockError => new MockError('invalid', `nextToken is malformed: ${why}`);

export function decodeCursor(token: string): Cursor {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) || token.length % 4 !== 0) throw malformed('not base64');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw malformed('not a token issued by this API');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed('not a token issued by this API');
  const { lastItemId, pageSize, sortOrder } = value as Record<string, unknown>;
  if (typeof lastItemId !== 'string' || lastItemId === '') throw malformed('lastItemId is missing');
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) {
    throw malformed('pageSize must be an integer from 1 to 50');
  }
  if (sortOrder !== 'asc') throw malformed('only sortOrder "asc" is supported');
  return { lastItemId, pageSize, sortOrder };
}
