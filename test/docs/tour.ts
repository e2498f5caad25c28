// The README's 60-second tour as a runnable script: its shell block, run with
// bash and curl against any base URL (a mock in this process, or the Docker
// image), and what each command must print. Used by readme-tour.test.ts and
// by the image tests.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'vitest';

export const hasCurl = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].some((p) => existsSync(p));

export function tourScript(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('## A 60-second tour')[1]?.split('\n## ')[0];
  const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('README has no ```sh block under "## A 60-second tour"');
  return block;
}

/** Runs the tour against `baseUrl` (it replaces http://127.0.0.1:4010) and checks each answer. */
export async function runTour(baseUrl: string): Promise<void> {
  const script = tourScript().replaceAll('http://127.0.0.1:4010', baseUrl);
  // Each curl's output ends with a newline so every answer is one line.
  // Asynchronously: an in-process mock must keep answering.
  const { stdout: out } = await promisify(execFile)(
    'bash',
    ['-euo', 'pipefail', '-c', `curl() { command curl "$@"; echo; }\n${script}`],
    {
      encoding: 'utf8',
    },
  );
  const answers = out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
  const [granted, listed, details, balance, voided, error, ...rest] = answers;
  expect(rest).toEqual([]);
  expect(granted.credits.map((c: any) => c.creditAmount)).toEqual([1000, 50]);
  expect(listed.data).toHaveLength(2);
  expect(details.transactions.map((t: any) => t.transactionType)).toEqual(['CREDITED']);
  expect(balance).toMatchObject({ activeCredits: 1050, availableBalance: 1050, unit: 'USD' });
  expect(voided).toMatchObject({ id: details.id, status: 'VOIDED' });
  expect(error).toEqual({ message: 'creditRequests[0].priority must be integer' });
}
