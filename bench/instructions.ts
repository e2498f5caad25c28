// Instructions per request, counted by valgrind's callgrind: the same
// scenarios as bench/run.ts (list, details, balance, grant of credits) on the
// built togai-mock and, with --baseline, on an earlier build, side by side.
//
// Wall-clock figures on a shared 2-core machine swing by 10-20 % between
// runs of the same build; an instruction count barely moves (the same build
// and load give the same total within about 1 %), so a ratio of two counts
// says whether a change costs more without the machine's noise. It counts the
// server process's user-space instructions in every thread (JavaScript, the
// JIT's compiles, the collector), not time in the kernel (the socket writes),
// nor what a cache miss costs; bench/run.ts measures those, in seconds.
//
// Each cell: the preload server (bench/servers/togai-preload.mjs) starts
// under callgrind with instrumentation off, takes --warmup requests, then
// counts --requests requests (autocannon, 10 connections) between
// `callgrind_control -i on` and `-i off`.
//
//   npm run build && bash bench/baseline.sh /tmp/togai-before 98316b3
//   npx tsx bench/instructions.ts --baseline=/tmp/togai-before [--sizes=1000] [--requests=3000] [--rounds=2]
//
// Needs valgrind (Debian: apt-get install valgrind). About a minute a cell.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { GRANT_BODY, ROOT } from './procs.js';

const flags = new Map(
  process.argv.slice(2).map((a) => {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    return [m[1]!, m[2] ?? 'true'] as const;
  }),
);
const SCENARIOS = (flags.get('scenarios') ?? 'list,details,balance,grant').split(',');
const SIZES = (flags.get('sizes') ?? '1000').split(',').map(Number);
const REQUESTS = Number(flags.get('requests') ?? 3000);
const WARMUP = Number(flags.get('warmup') ?? 6000);
const ROUNDS = Number(flags.get('rounds') ?? 2);
const builds = [
  { label: 'current', root: ROOT },
  ...(flags.has('baseline')
    ? [{ label: `before (${basename(flags.get('baseline')!)})`, root: resolve(flags.get('baseline')!) }]
    : []),
];

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('bench/instructions.ts needs valgrind (apt-get install valgrind)');
  process.exit(2);
}

interface Ready {
  port: number;
  probeAccount: string;
  probeCredit: string;
}

/** Instructions per request of one scenario on one build. */
async function cell(root: string, scenario: string, size: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-instructions-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all-non-file',
      '--instr-atstart=no',
      `--callgrind-out-file=${join(dir, 'callgrind.%p')}`,
      process.execPath,
      join(root, 'bench/servers/togai-preload.mjs'),
    ],
    { env: { ...process.env, BENCH_CREDITS: String(size), NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const ready = await new Promise<Ready>((done, fail) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) done(JSON.parse(line) as Ready);
      });
      child.on('exit', (code) => fail(new Error(`preload server exited ${code}: ${stderr.slice(-2000)}`)));
    });
    const base = `http://127.0.0.1:${ready.port}`;
    const request: autocannon.Options =
      scenario === 'grant'
        ? { url: `${base}/credits`, method: 'POST', body: GRANT_BODY, headers: { 'content-type': 'application/json' } }
        : {
            url:
              base +
              {
                list: `/credits?account_id=${ready.probeAccount}`,
                details: `/credits/${ready.probeCredit}`,
                balance: `/accounts/${ready.probeAccount}/credit_balance`,
              }[scenario]!,
          };
    const load = async (amount: number): Promise<void> => {
      const r = await autocannon({
        ...request,
        headers: { authorization: 'Bearer bench', ...request.headers },
        connections: 10,
        amount,
        // Under callgrind a request can take seconds while the JIT is cold (and at 1M while the collector runs).
        timeout: 300,
      });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${scenario}: ${r.non2xx} answers not 2xx, ${r.errors} errors`);
    };
    const control = (...args: string[]): void => {
      const r = spawnSync('callgrind_control', [...args, String(child.pid)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`callgrind_control ${args.join(' ')}: ${r.stderr}`);
    };
    await load(WARMUP);
    control('-i', 'on');
    await load(REQUESTS);
    control('-i', 'off');
    control('-d');
    // The dump holds what was counted; the file written at exit holds nothing since.
    const totals = readdirSync(dir).map((f) =>
      Number(/^totals: (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? 0),
    );
    return Math.max(...totals) / REQUESTS;
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const counts = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const size of SIZES) {
    for (const scenario of SCENARIOS) {
      // Alternating which build goes first, round by round.
      const order = round % 2 === 0 ? builds : [...builds].reverse();
      for (const b of order) {
        const n = await cell(b.root, scenario, size);
        const key = `${scenario}|${size}|${b.label}`;
        counts.set(key, [...(counts.get(key) ?? []), n]);
        console.error(
          `round ${round + 1}: ${scenario} at ${size} on ${b.label}: ${Math.round(n).toLocaleString('en-US')} instructions per request`,
        );
      }
    }
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs: number[]): string => {
  const m = mean(xs);
  return xs.length < 2 ? '' : ` (±${((100 * (Math.max(...xs) - Math.min(...xs))) / 2 / m).toFixed(1)} %)`;
};
console.log(`Instructions per request (callgrind, ${REQUESTS} requests after ${WARMUP}, mean of ${ROUNDS} rounds)\n`);
console.log(`| cell | ${builds.map((b) => b.label).join(' | ')} |${builds.length > 1 ? ' current / before |' : ''}`);
console.log(`|---|${builds.map(() => '---:').join('|')}|${builds.length > 1 ? '---:|' : ''}`);
for (const size of SIZES) {
  for (const scenario of SCENARIOS) {
    const per = builds.map((b) => counts.get(`${scenario}|${size}|${b.label}`)!);
    const cells = per.map((xs) => `${Math.round(mean(xs)).toLocaleString('en-US')}${spread(xs)}`);
    const ratio = builds.length > 1 ? ` ${((100 * mean(per[0]!)) / mean(per[1]!)).toFixed(1)} % |` : '';
    console.log(`| ${scenario}, ${size.toLocaleString('en-US')} | ${cells.join(' | ')} |${ratio}`);
  }
}
