// Every shell example in the README and the docs/ pages is run here, in
// order, page by page, and what each command prints is checked against the
// `# ...` lines written under it. So the documentation cannot drift from
// what togai-mock does.
//
// How a page is read:
// - Each ```sh block is run, unless the line before its fence is
//   `<!-- not run: <why> -->` (a Docker engine, a Togai sandbox token, a
//   benchmark, or a block another test runs with checks of its own).
// - A command's expected output is the run of comment lines right under it,
//   when the first of them looks like output (`# {`, `# [`, `# "`, `# 204`,
//   `# HTTP/...`, `# togai-mock...`); each such line must match one printed
//   line, `...` (or `…`) standing for any text and a line of just `...` for
//   any number of lines. Other comments are prose and are not checked.
// - `npm start` and `togai-mock [--flags]`, with or without VAR=value in
//   front, start the CLI from source as a server (on a free port instead of
//   4010, in the page's working directory); the page's later commands talk to
//   it. Commands before any such line get one started with no settings.
//   A start line with an expected `togai-mock: ...` line must fail with it.
// - Every other command runs with bash (pipefail) in a scratch directory that
//   holds a copy of contracts/pacts/ as ./pacts and a small OpenAPI document
//   as ./togai-openapi.yaml; `togai-mock` and `npx togai-mock` run the CLI
//   from source; localhost:4010 and 127.0.0.1:4010 become the server's address.

import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, cleanEnv, start, type Child } from '../ship/process.js';

/** The pages whose commands are run, in the order a reader meets them. */
export const PAGES = [
  'README.md',
  'docs/command-line.md',
  'docs/control-api.md',
  'docs/accounts-and-events.md',
  'docs/contract-testing.md',
  'docs/library.md',
  'docs/dashboard.md',
  'docs/differences.md',
  'docs/performance.md',
  'docs/replicas.md',
];

const hasCurl = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].some((p) => existsSync(p));
if (!hasCurl) console.warn('SKIPPED: the documentation commands test needs curl on PATH, and this machine has none.');

export interface Block {
  page: string;
  /** 1-based line of the block's first command line. */
  line: number;
  text: string;
  /** Why the block is not run here, when it says so. */
  notRun?: string;
}

export interface Step {
  line: number;
  command: string;
  expected: string[];
}

/** The ```sh blocks of a Markdown page. */
export function shellBlocks(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```sh\s*$/.test(lines[i]!)) continue;
    const notRun = /^<!-- not run: (.+?) -->$/.exec(lines[i - 1] ?? '')?.[1];
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    blocks.push({ page, line: i + 2, text: lines.slice(i + 1, end).join('\n'), notRun });
    i = end;
  }
  return blocks;
}

const OUTPUT = /^(\{|\[|"|HTTP\/|\d|\s+\d|togai-mock|\.\.\.|…)/;

/**
 * Splits a block into commands (quote-aware, so a quoted JSON body may span
 * lines; a trailing backslash continues a line) with their expected output.
 */
export function steps(block: Block): Step[] {
  const lines = block.text.split('\n');
  const out: Step[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    if (first.trim() === '' || first.trim().startsWith('#')) {
      i++;
      continue;
    }
    const startLine = block.line + i;
    let command = '';
    let quote: string | null = null;
    let trailing: string | undefined;
    for (;;) {
      const line = lines[i]!;
      let cut = line.length;
      for (let c = 0; c < line.length; c++) {
        const ch = line[c]!;
        if (quote === "'") {
          if (ch === "'") quote = null;
        } else if (quote === '"') {
          if (ch === '\\') c++;
          else if (ch === '"') quote = null;
        } else if (ch === '\\') {
          c++;
        } else if (ch === "'" || ch === '"') {
          quote = ch;
        } else if (ch === '#' && (c === 0 || /\s/.test(line[c - 1]!))) {
          cut = c;
          trailing = line.slice(c + 1).replace(/^ /, '');
          break;
        }
      }
      command += (command === '' ? '' : '\n') + line.slice(0, cut).trimEnd();
      i++;
      const continued = quote !== null || (cut === line.length && line.endsWith('\\'));
      if (!continued || i >= lines.length) break;
    }
    const expected: string[] = [];
    if (trailing !== undefined && OUTPUT.test(trailing)) expected.push(trailing);
    if (
      expected.length > 0 ||
      (lines[i] !== undefined && /^#( |$)/.test(lines[i]!) && OUTPUT.test(lines[i]!.slice(2)))
    ) {
      while (i < lines.length && /^#( |$)/.test(lines[i]!)) expected.push(lines[i++]!.slice(2));
    }
    out.push({ line: startLine, command, expected });
  }
  return out;
}

/** Does every printed line match the expected ones ("..." is any text; a "..." line, any lines)? */
export function matches(expected: readonly string[], printed: readonly string[]): boolean {
  const pattern = (e: string) =>
    new RegExp(
      `^${e
        .trim()
        .split(/\.\.\.|…/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
  const walk = (e: number, p: number): boolean => {
    if (e === expected.length) return p === printed.length;
    if (/^\s*(\.\.\.|…)\s*$/.test(expected[e]!)) {
      for (let skip = p; skip <= printed.length; skip++) if (walk(e + 1, skip)) return true;
      return false;
    }
    return p < printed.length && pattern(expected[e]!).test(printed[p]!.trim()) && walk(e + 1, p + 1);
  };
  return walk(0, 0);
}

const SERVER = /^((?:[A-Z][A-Z0-9_]*=\S*\s+)*)(?:npm start|togai-mock)((?:\s+--\S.*)?)$/;

// The CLI from source, runnable from any directory.
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
const CLI_ARGS = CLI.map((arg) => (arg === 'tsx' ? TSX : arg.endsWith('.ts') ? join(ROOT, arg) : arg));

const run = promisify(execFile);
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A scratch directory with the files the pages refer to, and shims for togai-mock and npx. */
function workspace(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-docs-'));
  const bin = mkdtempSync(join(tmpdir(), 'togai-mock-docs-bin-'));
  scratch.push(dir, bin);
  cpSync(join(ROOT, 'contracts/pacts'), join(dir, 'pacts'), { recursive: true });
  cpSync(join(ROOT, 'test/fixtures/togai-extra.yaml'), join(dir, 'togai-openapi.yaml'));
  const cli = CLI_ARGS.map((a) => `'${a}'`).join(' ');
  writeFileSync(join(bin, 'togai-mock'), `#!/bin/sh\nexec '${process.execPath}' ${cli} "$@"\n`);
  writeFileSync(
    join(bin, 'npx'),
    '#!/bin/sh\nif [ "$1" = togai-mock ]; then shift; exec togai-mock "$@"; fi\n' +
      'echo "docs test: only npx togai-mock is available here" >&2; exit 127\n',
  );
  chmodSync(join(bin, 'togai-mock'), 0o755);
  chmodSync(join(bin, 'npx'), 0o755);
  return { dir, env: cleanEnv({ PATH: `${bin}:${process.env.PATH}`, PACT_DO_NOT_TRACK: 'true' }) };
}

/** The CLI's "togai-mock listening on <url>" line, on whichever stream it prints it. */
function listening(child: Child): Promise<string> {
  const LINE = /togai-mock listening on http:\/\/\S+/;
  return new Promise((resolve) => {
    let text = [...child.stdout, ...child.stderr].join('\n');
    const check = () => {
      const found = LINE.exec(text)?.[0];
      if (found === undefined) return;
      child.proc.stdout?.off('data', onData);
      child.proc.stderr?.off('data', onData);
      resolve(found);
    };
    const onData = (chunk: string | Buffer) => {
      text += String(chunk);
      check();
    };
    child.proc.stdout?.on('data', onData);
    child.proc.stderr?.on('data', onData);
    check();
  });
}

function where(page: string, step: Step): string {
  return `${page}:${step.line}: ${step.command}`;
}

function mismatch(page: string, step: Step, printed: readonly string[]): string {
  return `${where(page, step)}\n  expected:\n    ${step.expected.join('\n    ')}\n  printed:\n    ${printed.join('\n    ')}`;
}

/** Runs a page's blocks in order against servers it starts; throws at the first difference. */
async function runPage(page: string, blocks: readonly Block[]): Promise<number> {
  const { dir, env } = workspace();
  let server: { child: Child; address: string } | undefined;
  let checked = 0;

  const stop = async () => {
    if (!server) return;
    const { child } = server;
    server = undefined;
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGTERM');
    await child.exited;
  };

  /** Starts the CLI; resolves with its address, or with its exit and output if it stops first. */
  const startServer = async (vars: Record<string, string>, args: string[]) => {
    await stop();
    const child = start(process.execPath, [...CLI_ARGS, ...args], {
      cwd: dir,
      env: { ...env, TOGAI_MOCK_PORT: '0', ...vars },
    });
    const outcome = await Promise.race([
      listening(child).then((line) => ({ line })),
      child.exited.then((code) => ({ code })),
    ]);
    if ('line' in outcome) {
      server = { child, address: /listening on http:\/\/(\S+)/.exec(outcome.line)![1]! };
      return { printed: [outcome.line] };
    }
    return { printed: [...child.stderr, ...child.stdout].filter((l) => l.trim() !== ''), code: outcome.code };
  };

  try {
    for (const block of blocks) {
      for (const step of steps(block)) {
        const startLine = SERVER.exec(step.command.trim());
        let printed: string[];
        if (startLine) {
          const vars = Object.fromEntries(
            [...startLine[1]!.matchAll(/([A-Z][A-Z0-9_]*)=(\S*)/g)].map((m) => [m[1]!, m[2]!]),
          );
          const args = startLine[2]!.trim() === '' ? [] : startLine[2]!.trim().split(/\s+/);
          const started = await startServer(vars, args);
          printed = started.printed;
          if (started.code !== undefined && step.expected.length === 0) {
            throw new Error(
              `${where(page, step)}\n  exited (${started.code}) instead of listening:\n    ${printed.join('\n    ')}`,
            );
          }
        } else {
          if (!server && /\b(localhost|127\.0\.0\.1):4010\b/.test(step.command)) await startServer({}, []);
          const command = server
            ? step.command.replace(/\b(localhost|127\.0\.0\.1):4010\b/g, server.address)
            : step.command;
          try {
            const { stdout } = await run('bash', ['-o', 'pipefail', '-c', command], {
              cwd: dir,
              env,
              timeout: 120_000,
            });
            printed = stdout
              .split('\n')
              .map((l) => l.trimEnd())
              .filter((l) => l !== '');
          } catch (err) {
            const e = err as { code?: number; stdout?: string; stderr?: string };
            throw new Error(`${where(page, step)}\n  failed (exit ${e.code}):\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
              cause: err,
            });
          }
        }
        if (step.expected.length > 0) {
          if (!matches(step.expected, printed)) throw new Error(mismatch(page, step, printed));
          checked++;
        }
      }
    }
  } finally {
    await stop();
  }
  return checked;
}

describe('documentation pages', () => {
  it('mark every block they do not run with a reason, and exist', () => {
    for (const page of PAGES) {
      expect(existsSync(join(ROOT, page)), page).toBe(true);
      for (const block of shellBlocks(page)) {
        if (block.notRun !== undefined) expect(block.notRun.trim().length, `${page}:${block.line}`).toBeGreaterThan(10);
      }
    }
  });

  it('reads commands and their expected output as documented', () => {
    const block: Block = {
      page: 'x.md',
      line: 1,
      text: [
        '# prose',
        "curl -s -X POST x -d '{",
        '  "a": 1}' + "'",
        '# {"a":1}',
        'echo hi \\',
        '  there  # hi there',
        '',
        '# more prose',
        'false',
        '# not output',
      ].join('\n'),
    };
    expect(steps(block)).toEqual([
      { line: 2, command: 'curl -s -X POST x -d \'{\n  "a": 1}\'', expected: ['{"a":1}'] },
      { line: 5, command: 'echo hi \\\n  there', expected: [] },
      { line: 9, command: 'false', expected: [] },
    ]);
    expect(matches(['{"a":...,"b":2}'], ['{"a":1,"b":2}'])).toBe(true);
    expect(matches(['{"a":...,"b":2}'], ['{"a":1,"b":3}'])).toBe(false);
    expect(matches(['x', '...', 'z'], ['x', 'y1', 'y2', 'z'])).toBe(true);
    expect(matches(['x'], ['x', 'y'])).toBe(false);
  });
});

describe.skipIf(!hasCurl)('documentation commands', () => {
  for (const page of PAGES) {
    const blocks = existsSync(join(ROOT, page)) ? shellBlocks(page).filter((block) => block.notRun === undefined) : [];
    if (blocks.length === 0) continue;
    it(`${page}: every command prints what the page says`, async () => {
      const checked = await runPage(page, blocks);
      const commands = blocks.flatMap(steps);
      expect(commands.length).toBeGreaterThan(0);
      // Most commands state what they print; the rest must at least succeed.
      expect(checked).toBeGreaterThan(0);
    }, 300_000);
  }
});
