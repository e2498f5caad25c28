#!/usr/bin/env node
// Command line entry: `togai-mock [serve] [options]`, `togai-mock verify`,
// `togai-mock check-pacts`. The flags, their --help lines and how values are
// parsed come from the options table (options.ts), which also reads the
// TOGAI_MOCK_* environment variables: a flag wins over its variable, and both
// say the same thing about a bad value. Usage errors exit 2 with one line; a
// running server stops cleanly on SIGTERM / SIGINT.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  DEFAULT_OPTIONS,
  OPTIONS,
  OptionError,
  optionsFromEnv,
  resolveOptions,
  type OptionDef,
  type TogaiMockOptions,
} from './options.js';
import { quietWarnings } from './quiet-warnings.js';
import { startServer, type RunningServer } from './server.js';

type Flag = (typeof OPTIONS)[number];

/** Subcommands implemented elsewhere, each exporting `main(argv): Promise<number>` (the exit code). */
const SUBCOMMANDS: Record<string, { module: string; help: string }> = {
  verify: { module: './contract/verify-cli.js', help: 'verify pact files against a togai-mock (or real Togai)' },
  'check-pacts': {
    module: './contract/check-pacts-cli.js',
    help: 'check consumer pact files against the Credits spec',
  },
};

/** Exit 2: the user asked for something we cannot do; `message` is one line. */
class UsageError extends Error {}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function defaultOf(flag: Flag): string {
  const value: unknown = DEFAULT_OPTIONS[flag.key];
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return 'none';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** How --help names an option's variables: `TOGAI_MOCK_PORT or PORT`. */
const envNames = (option: Pick<OptionDef, 'env'>): string => option.env.join(' or ');

export function helpText(): string {
  const rows = OPTIONS.map((f) => [f.value ? `--${f.flag} ${f.value}` : `--[no-]${f.flag}`, f]);
  const width = Math.max(...rows.map(([left]) => (left as string).length)) + 2;
  const lines = [
    `togai-mock ${version()}: a stateful fake of Togai's Credits API`,
    '',
    'Usage:',
    '  togai-mock [serve] [options]      start the mock (prints its URL when ready)',
    ...Object.entries(SUBCOMMANDS).map(([name, s]) => `  togai-mock ${name} [options]`.padEnd(36) + s.help),
    '  togai-mock --help | --version',
    '',
    'Options (each also read from the environment; a flag wins over its variable):',
    ...rows.map(([left, f]) => {
      const flag = f as Flag;
      return `  ${(left as string).padEnd(width)}${flag.help}\n  ${''.padEnd(width)}default: ${defaultOf(flag)}; env: ${envNames(flag)}`;
    }),
    `  ${'-h, --help'.padEnd(width)}show this help`,
    `  ${'-v, --version'.padEnd(width)}print the version`,
    '',
    'SIGTERM or SIGINT stops the server: in-flight requests finish, the state file is written, exit 0.',
  ];
  return `${lines.join('\n')}\n`;
}

type ServeCommand = { kind: 'serve'; options: Partial<TogaiMockOptions> } | { kind: 'help' } | { kind: 'version' };

/** Parses `serve` arguments into option values (not yet merged with the environment). */
export function parseServeArgs(argv: string[]): ServeCommand {
  const known = new Map<string, Flag>();
  for (const f of OPTIONS) {
    known.set(f.flag, f);
    if (!f.value) known.set(`no-${f.flag}`, f);
  }
  // Checked by hand so an unknown flag gets one short line rather than parseArgs' paragraph.
  for (const arg of argv) {
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const name = arg.slice(2).split('=')[0]!;
    if (!known.has(name) && name !== 'help' && name !== 'version') {
      throw new UsageError(`unknown option --${name} (see togai-mock --help)`);
    }
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const [name, f] of known) options[name] = { type: f.value && !name.startsWith('no-') ? 'string' : 'boolean' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    // parseArgs explains at length; its first sentence is the reason.
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.split('. ')[0]!;
    throw new UsageError(`${reason} (see togai-mock --help)`);
  }
  if (parsed.values.help) return { kind: 'help' };
  if (parsed.values.version) return { kind: 'version' };
  if (parsed.positionals.length > 0)
    throw new UsageError(`unexpected argument "${parsed.positionals[0]!}" (see togai-mock --help)`);

  const out: Record<string, unknown> = {};
  // In the order given, so `--strict-accounts --no-strict-accounts` ends as the last one says.
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    const flag = known.get(token.name);
    if (!flag) continue;
    if (!flag.value) {
      out[flag.key] = !token.name.startsWith('no-');
      continue;
    }
    out[flag.key] = flag.parse(`--${flag.flag}`, token.value ?? '');
  }
  return { kind: 'serve', options: out as Partial<TogaiMockOptions> };
}

async function runSubcommand(name: string, argv: string[]): Promise<number> {
  const sub = SUBCOMMANDS[name]!;
  // A variable specifier: the module is resolved at run time, relative to this file.
  const specifier: string = sub.module;
  let mod: { main(argv: string[]): Promise<number> };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((err as Error).message).includes(specifier.slice(2))
    ) {
      throw new UsageError(`togai-mock ${name} is not available in this build`);
    }
    throw err;
  }
  return mod.main(argv);
}

/** Stops on SIGTERM / SIGINT; a second signal does not wait. */
function stopOnSignals(running: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    const log = running.runtime.logger;
    log.info({ signal }, 'shutting down');
    // Bounded: close() cuts off requests after its grace period; this is the last resort.
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000).unref();
    running.close().then(
      () => {
        log.info('stopped');
        log.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(argv: string[]): Promise<number | undefined> {
  const [first, ...rest] = argv;
  if (first !== undefined && SUBCOMMANDS[first]) return runSubcommand(first, rest);
  const serveArgs = first === 'serve' ? rest : argv;
  const command = parseServeArgs(serveArgs);
  if (command.kind === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const options = resolveOptions(optionsFromEnv(process.env, command.options));
  const running = await startServer(options);
  stopOnSignals(running);
  // On stderr, for people: stdout carries only the JSON log lines.
  process.stderr.write(`togai-mock listening on ${running.url}\n`);
  return undefined; // keep running
}

quietWarnings();
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError || err instanceof OptionError) {
      process.stderr.write(`togai-mock: ${message}\n`);
      process.exit(2);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      process.stderr.write(`togai-mock: cannot listen: ${message}\n`);
    } else {
      process.stderr.write(`togai-mock: ${message}\n`);
    }
    process.exit(1);
  },
);
