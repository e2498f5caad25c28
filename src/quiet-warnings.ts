// The command line's stderr carries only what a user can act on. Pact JS's
// verifier proxy (`togai-mock verify`) calls `util._extend` through
// http-proxy, which has no release without it, so Node 22 and 24 print a
// DEP0060 deprecation warning on every run. quietWarnings() drops that code
// only; every other warning still reaches stderr. Only the command line calls
// it (src/cli.ts first thing, and the verify command): the library never
// patches the process it is loaded into.

const SILENCED: ReadonlySet<string> = new Set(['DEP0060']);

/** The code of a warning, from any of `process.emitWarning`'s call forms. */
function codeOf(warning: unknown, rest: unknown[]): unknown {
  if (warning instanceof Error) return (warning as NodeJS.ErrnoException).code;
  const [typeOrOptions, code] = rest;
  if (typeof typeOrOptions === 'object' && typeOrOptions !== null) return (typeOrOptions as { code?: unknown }).code;
  return code;
}

let installed = false;

/** Makes `process.emitWarning` drop the warnings in SILENCED. Calling it again changes nothing. */
export function quietWarnings(): void {
  if (installed) return;
  installed = true;
  const emitWarning = process.emitWarning;
  const filtered = (warning: string | Error, ...rest: unknown[]): void => {
    const code = codeOf(warning, rest);
    if (typeof code === 'string' && SILENCED.has(code)) return;
    Reflect.apply(emitWarning, process, [warning, ...rest]);
  };
  // One function for all of emitWarning's overloads: it passes every argument on unchanged.
  process.emitWarning = filtered as typeof process.emitWarning;
}
