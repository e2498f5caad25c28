// `togai-mock check-pacts <file|dir>...`: argument parsing and the report for
// src/contract/check.ts. Exit code 0 when no interaction has an error (warnings
// alone pass), 1 when any has, 2 for a usage error.

import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { checkPacts } from './check.js';
import { parseError } from './cli-util.js';
import { PactFileError } from './pacts.js';

const HELP = `Usage: togai-mock check-pacts <file|dir>... [--json]

Checks every interaction of the given pact files (or every *.json under the
given directories, subdirectories included) against togai-mock's OpenAPI
descriptions of the Togai API (credits; customers, accounts, wallet and
events), and reports what the real API could never do: unknown paths or methods, invalid requests
that expect success, requests without credentials that expect anything but
401, statuses the spec does not list, expected response fields it never sends
or sends with another type. Provider states outside togai-mock's vocabulary
are warnings.

  --json        print the result as JSON
  -h, --help    this text

Exit code: 0 no errors (warnings allowed), 1 errors found, 2 usage error.
`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`togai-mock check-pacts: ${parseError(err)} (see --help)\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    process.stderr.write('togai-mock check-pacts: give at least one pact file or directory (see --help)\n');
    return 2;
  }
  let result;
  try {
    result = checkPacts(parsed.positionals);
  } catch (err) {
    if (err instanceof PactFileError) {
      process.stderr.write(`togai-mock check-pacts: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const p of result.problems) {
      const file = relative(process.cwd(), p.file) || p.file;
      process.stdout.write(
        `${p.severity === 'error' ? 'ERROR  ' : 'warning'} ${file}: "${p.interaction}": ${p.message}\n`,
      );
    }
    process.stdout.write(
      `togai-mock check-pacts: ${result.interactions} interaction(s) in ${result.files} file(s): ` +
        `${result.errors} error(s), ${result.warnings} warning(s)\n`,
    );
  }
  return result.errors > 0 ? 1 : 0;
}
