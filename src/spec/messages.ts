// Turns ajv's first error into one Togai-style sentence that names the field
// the way a client wrote it: `creditRequests[1].priority must be integer`.

import type { ErrorObject } from 'ajv';

/** `/creditRequests/1/priority` -> `creditRequests[1].priority`. */
export function fieldPath(instancePath: string, prefix = ''): string {
  let out = prefix;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out;
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** Keeps echoed client text short so a message stays far below 500 characters. */
const clip = (s: string, max = 60): string => (s.length > max ? `${s.slice(0, max)}...` : s);

export function describeError(e: ErrorObject, root: string, prefix = ''): string {
  const path = fieldPath(e.instancePath, prefix);
  const subject = path === '' ? root : path;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${join(path, clip(String(p.missingProperty)))} is required`;
    case 'additionalProperties':
      return `${join(path, clip(String(p.additionalProperty)))} is not an allowed field`;
    case 'type':
      return `${subject} must be ${String(p.type)}`;
    case 'enum':
      return `${subject} must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'format':
      return p.format === 'date'
        ? `${subject} must be a calendar date (YYYY-MM-DD)`
        : p.format === 'date-time'
          ? `${subject} must be an RFC 3339 date-time (e.g. 2024-03-06T12:00:00Z)`
          : `${subject} must be a valid ${String(p.format)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${subject} must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'maxLength':
      return `${subject} must be at most ${String(p.limit)} characters`;
    case 'minLength':
      return Number(p.limit) === 1
        ? `${subject} must not be empty`
        : `${subject} must be at least ${String(p.limit)} characters`;
    case 'minItems':
      return `${subject} must have at least ${String(p.limit)} item${Number(p.limit) === 1 ? '' : 's'}`;
    case 'maxItems':
      return `${subject} must have at most ${String(p.limit)} items`;
    case 'uniqueItems':
      return `${subject} must not contain duplicates (items ${Math.min(Number(p.i), Number(p.j))} and ${Math.max(Number(p.i), Number(p.j))} are equal)`;
    default:
      return `${subject} ${e.message ?? 'is invalid'}`;
  }
}
