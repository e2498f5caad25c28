// Reads our Dockerfile and .dockerignore and replays them without a Docker
// engine: the build context is the repository minus .dockerignore; each stage
// gets its own directory standing in for the image's filesystem; COPY copies
// from the context (or another stage), RUN runs the shell command there with
// the stage's ENV, and CMD / HEALTHCHECK are returned in exec form for the
// test to start. Only the Dockerfile features we use are understood; anything
// else fails loudly rather than being skipped.

import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface Instruction {
  keyword: string;
  /** The text after the keyword, continuation lines joined. */
  rest: string;
  line: number;
}

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  stages: Stage[];
}

/** Splits a Dockerfile into stages of instructions (comments dropped, `\` continuations joined, ARGs substituted in FROM). */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let raw = lines[i]!;
    if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
    while (raw.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      raw = raw.trimEnd().slice(0, -1);
      i++;
      // Comment lines inside a continuation are dropped, as Docker does.
      if (lines[i]!.trim().startsWith('#')) continue;
      raw += ` ${lines[i]!.trim()}`;
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(raw);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read "${raw}"`);
    instructions.push({ keyword: m[1]!.toUpperCase(), rest: m[2]!.trim(), line: start + 1 });
  }
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [k, v = ''] = ins.rest.split('=');
      globalArgs[k!] = v;
      continue;
    }
    if (ins.keyword === 'FROM') {
      const image = ins.rest.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => globalArgs[(a ?? b)!] ?? '');
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(image);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: cannot read FROM ${ins.rest}`);
      stages.push({ name: m[2] ?? String(stages.length), image: m[1]!, instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before FROM`);
    stages.at(-1)!.instructions.push(ins);
  }
  return { stages };
}

/** `K=V K2="v 2"` (the only ENV form we use). */
export function parseEnv(rest: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = re.exec(rest))) {
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    seen += m[0].length;
  }
  if (seen === 0) throw new Error(`ENV ${rest}: only the K=V form is supported`);
  return out;
}

/** CMD / HEALTHCHECK CMD in exec form (a JSON array). */
export function execForm(rest: string): string[] {
  const value = JSON.parse(rest) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`not an exec-form array: ${rest}`);
  return value as string[];
}

/** HEALTHCHECK [--opt=v ...] CMD [...] */
export function parseHealthcheck(rest: string): { options: Record<string, string>; command: string[] } {
  const options: Record<string, string> = {};
  let text = rest;
  let m: RegExpExecArray | null;
  while ((m = /^--(\w[\w-]*)=(\S+)\s+/.exec(text))) {
    options[m[1]!] = m[2]!;
    text = text.slice(m[0].length);
  }
  if (!text.startsWith('CMD ')) throw new Error(`HEALTHCHECK ${rest}: expected CMD`);
  return { options, command: execForm(text.slice(4).trim()) };
}

// ---- .dockerignore ----

interface IgnoreRule {
  negate: boolean;
  re: RegExp;
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches any number of directories, also none.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: globToRegExp(pattern) };
    });
}

/** Whether a context-relative path is excluded: the last matching rule wins; a matched directory excludes what is under it. */
export function isIgnored(rules: IgnoreRule[], rel: string): boolean {
  const parts = rel.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.re.test(c))) ignored = !rule.negate;
  }
  return ignored;
}

/** Copies the build context (the repository minus .dockerignore) into `into`. */
export function buildContext(root: string, into: string): string[] {
  const rules = existsSync(join(root, '.dockerignore')) ? parseDockerignore(readFileSync(join(root, '.dockerignore'), 'utf8')) : [];
  const copied: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      const rel = relative(root, abs).split('\\').join('/');
      if (isIgnored(rules, rel)) continue;
      if (entry.isDirectory()) walk(abs);
      else if (entry.isFile()) {
        mkdirSync(join(into, relative(root, dir)), { recursive: true });
        cpSync(abs, join(into, rel));
        copied.push(rel);
      }
    }
  };
  walk(root);
  return copied;
}

// ---- replaying a stage ----

export interface StageResult {
  /** Stands in for the image's "/". */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  expose: string[];
  cmd: string[] | undefined;
  healthcheck: { options: Record<string, string>; command: string[] } | undefined;
  runs: Array<{ command: string; ms: number }>;
}

export interface ReplayOptions {
  context: string;
  /** Results of earlier stages, for COPY --from. */
  stages: Map<string, StageResult>;
  /** Environment for RUN besides the stage's ENV (PATH, npm cache settings). */
  baseEnv: NodeJS.ProcessEnv;
}

const inside = (root: string, path: string): string => join(root, path);

export async function replayStage(stage: Stage, root: string, options: ReplayOptions): Promise<StageResult> {
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const result: StageResult = { root, workdir: '/', env: {}, user: undefined, expose: [], cmd: undefined, healthcheck: undefined, runs: [] };
  const resolveIn = (path: string): string => (path.startsWith('/') ? path : join(result.workdir, path));
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR':
        result.workdir = resolveIn(ins.rest);
        mkdirSync(inside(root, result.workdir), { recursive: true });
        break;
      case 'ENV':
        Object.assign(result.env, parseEnv(ins.rest));
        break;
      case 'USER':
        result.user = ins.rest;
        break;
      case 'EXPOSE':
        result.expose.push(...ins.rest.split(/\s+/));
        break;
      case 'CMD':
        result.cmd = execForm(ins.rest);
        break;
      case 'HEALTHCHECK':
        result.healthcheck = parseHealthcheck(ins.rest);
        break;
      case 'COPY': {
        const words = ins.rest.split(/\s+/);
        let from: string | undefined;
        while (words[0]?.startsWith('--')) {
          const flag = words.shift()!;
          if (flag.startsWith('--from=')) from = flag.slice(7);
          else throw new Error(`Dockerfile line ${ins.line}: COPY ${flag} is not reproduced`);
        }
        const dest = words.pop()!;
        if (words.length === 0) throw new Error(`Dockerfile line ${ins.line}: COPY needs a source`);
        const sourceRoot = from === undefined ? options.context : options.stages.get(from)?.root;
        if (sourceRoot === undefined) throw new Error(`Dockerfile line ${ins.line}: no stage ${from}`);
        const destPath = inside(root, resolveIn(dest));
        const intoDir = dest.endsWith('/') || words.length > 1;
        for (const src of words) {
          if (/[*?[]/.test(src)) throw new Error(`Dockerfile line ${ins.line}: wildcards in COPY are not reproduced`);
          const srcPath = from === undefined ? join(sourceRoot, src) : inside(sourceRoot, src);
          if (!existsSync(srcPath)) throw new Error(`Dockerfile line ${ins.line}: COPY ${src}: not in the ${from ?? 'build context'} (see .dockerignore)`);
          if (statSync(srcPath).isDirectory()) {
            // A directory's contents are copied into the destination.
            cpSync(srcPath, destPath, { recursive: true });
          } else {
            const target = intoDir ? join(destPath, basename(src)) : destPath;
            mkdirSync(intoDir ? destPath : join(destPath, '..'), { recursive: true });
            cpSync(srcPath, target);
          }
        }
        break;
      }
      case 'RUN': {
        // The command runs on this machine, so it must not touch absolute paths of the "image".
        if (/(^|[\s;&|=])\/(?!dev\/null)/.test(ins.rest)) {
          throw new Error(`Dockerfile line ${ins.line}: RUN with an absolute path cannot be replayed safely: ${ins.rest}`);
        }
        if (ins.rest.trimStart().startsWith('[')) throw new Error(`Dockerfile line ${ins.line}: RUN in exec form is not reproduced`);
        const started = Date.now();
        await exec('sh', ['-c', ins.rest], {
          cwd: inside(root, result.workdir),
          env: { ...options.baseEnv, ...result.env },
          maxBuffer: 64 * 1024 * 1024,
        }).catch((err: Error & { stderr?: string }) => {
          throw new Error(`Dockerfile line ${ins.line}: RUN ${ins.rest} failed: ${err.message}\n${err.stderr ?? ''}`);
        });
        result.runs.push({ command: ins.rest, ms: Date.now() - started });
        break;
      }
      case 'ARG':
      case 'LABEL':
        break;
      default:
        throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} is not reproduced by this test`);
    }
  }
  return result;
}
