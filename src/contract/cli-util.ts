// Small helpers shared by the contract subcommands' argument parsing.

export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** node:util parseArgs explains at length how to pass positionals starting with '-'; keep the first sentence. */
export function parseError(err: unknown): string {
  return firstLine(err).replace(/\. To specify a positional argument.*$/, '');
}
