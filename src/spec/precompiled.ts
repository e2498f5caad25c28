// Validators generated ahead of time. The build (build.ts) compiles every
// path, query and body validator of a spec, and every component schema,
// with ajv exactly as operations.ts would, and writes ajv's standalone code
// for them into dist/spec/<spec>.<coercing|strict|components>.validators.cjs.
// A start then loads those modules (each on first use) instead of ajv itself
// and its compiler (start-up time).
//
// A module is used only while its stamp matches: the SHA-256 of the YAML it
// was generated from and the installed ajv and ajv-formats versions (its
// code calls their runtime helpers). Otherwise operations.ts compiles the
// validators at run time as before.

import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { BUILT_SPEC_DIR, specSha256 } from './load.js';
import type { PrecompiledKind, PrecompiledValidators } from './operations.js';

const require = createRequire(import.meta.url);

export interface ValidatorStamp {
  sourceSha256: string;
  ajv: string;
  ajvFormats: string;
}

/** The generated module of one spec and kind, e.g. dist/spec/togai-credits.coercing.validators.cjs. */
export function validatorsFile(specFile: string, kind: PrecompiledKind, builtDir = BUILT_SPEC_DIR): string {
  return join(builtDir, `${basename(specFile, '.yaml')}.${kind}.validators.cjs`);
}

/** What a generated module must be stamped with to be used for this spec now. */
export function currentStamp(specFile: string): ValidatorStamp {
  return {
    sourceSha256: specSha256(specFile),
    ajv: (require('ajv/package.json') as { version: string }).version,
    ajvFormats: (require('ajv-formats/package.json') as { version: string }).version,
  };
}

const sameStamp = (a: Partial<ValidatorStamp> | undefined, b: ValidatorStamp): boolean =>
  a?.sourceSha256 === b.sourceSha256 && a.ajv === b.ajv && a.ajvFormats === b.ajvFormats;

/** The generated validators of a spec, each module loaded on first use; none when missing or stale. */
export function precompiledValidators(specFile: string, builtDir = BUILT_SPEC_DIR): PrecompiledValidators {
  const loaded = new Map<PrecompiledKind, Record<string, ValidateFunction> | undefined>();
  let stamp: ValidatorStamp | undefined;
  return {
    get(kind) {
      if (!loaded.has(kind)) {
        let mod: (Record<string, ValidateFunction> & { stamp?: Partial<ValidatorStamp> }) | undefined;
        try {
          mod = require(validatorsFile(specFile, kind, builtDir)) as typeof mod;
        } catch {
          // Not built (or not loadable): compiled at run time instead, which is what they stand for.
          mod = undefined;
        }
        stamp ??= currentStamp(specFile);
        loaded.set(kind, mod && sameStamp(mod.stamp, stamp) ? mod : undefined);
      }
      return loaded.get(kind);
    },
  };
}
