// The CLI's stderr carries only what a user can act on. Pact JS's verifier
// proxy (`togai-mock verify`) calls `util._extend` through http-proxy, which
// has no release without it, so Node 22 and 24 print a DEP0060 deprecation
// warning on every run. Only that code is dropped, and only in the CLI's own
// process (src/cli.ts imports this module first; the library never patches
// the process it is loaded into): every other warning still reaches stderr.

const SILENCED: ReadonlySet<string> = new Set(['DEP0060']);

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;

/** The code of a warning, from any of `process.emitWarning`'s call forms. */
function codeOf(warning: string | Error, rest: unknown[]): unknown {
  if (warning instanceof Error) return (warning as NodeJS.ErrnoException).code;
  const [typeOrOptions, code] = rest;
  if (typeof typeOrOptions === 'object' && typeOrOptions !== null) return (typeOrOptions as { code?: unknown }).code;
  return code;
}

const emitWarning: EmitWarning = process.emitWarning.bind(process);
const filtered: EmitWarning = (warning, ...rest) => {
  const code = codeOf(warning, rest);
  if (typeof code === 'string' && SILENCED.has(code)) return;
  emitWarning(warning, ...rest);
};
process.emitWarning = filtered as typeof process.emitWarning;
