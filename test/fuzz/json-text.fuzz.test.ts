// Properties of the duplicate-key check that guards every JSON body
// (src/http/json-text.ts): it never flags JSON without repeated names (a
// false positive would refuse a valid grant), and it finds a repeated name
// wherever it is nested and however it is escaped. Seed and size: config.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../../src/http/json-text.js';
import { fcParams } from './config.js';

const scan = (text: string): string | undefined => findDuplicateKey(Buffer.from(text, 'utf8'));

/** Escapes every character of a key as \uXXXX: the same name, spelled differently. */
const escapeAll = (key: string): string =>
  `"${key
    .split('')
    .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('')}"`;

describe('fuzz: duplicate JSON keys', () => {
  it('finds none in JSON.stringify output of any value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(0, 2), (v, indent) => {
        expect(scan(JSON.stringify(v, null, indent))).toBeUndefined();
      }),
      fcParams(2000),
    );
  });

  it('finds a repeated name at any depth, also when one spelling is escaped', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.jsonValue({ maxDepth: 2 }),
        fc.array(fc.oneof(fc.constant('array' as const), fc.string({ maxLength: 6 })), { maxLength: 6 }),
        fc.boolean(),
        (key, value, path, escaped) => {
          const name = JSON.stringify(key);
          let text = `{${name}:${JSON.stringify(value)},${escaped ? escapeAll(key) : name}:1}`;
          for (const step of [...path].reverse()) {
            text = step === 'array' ? `[0,${text}]` : `{"other":[],${JSON.stringify(step)}:${text}}`;
          }
          // Paths read like the API's field paths: creditRequests[1].accountId.
          let prefix = '';
          for (const step of path) prefix += step === 'array' ? '[1]' : prefix === '' ? step : `.${step}`;
          const clipped = key.length > 60 ? `${key.slice(0, 60)}...` : key;
          expect(scan(text)).toBe(prefix === '' ? clipped : `${prefix}.${clipped}`);
        },
      ),
      fcParams(2000),
    );
  });
});
