// The README's curl tour must work verbatim: this runs its shell block with
// bash and curl against a fresh mock (only the base URL is swapped for the
// test's ephemeral port) and checks what each command printed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startTestMock } from '../helpers/mock.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const hasCurl = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].some((p) => existsSync(p));
if (!hasCurl) console.warn('SKIPPED: the README tour test needs curl on PATH, and this machine has none.');

function tourScript(): string {
  const section = readme.split('## A 60-second tour')[1]?.split('\n## ')[0];
  const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('README has no ```sh block under "## A 60-second tour"');
  return block;
}

describe.skipIf(!hasCurl)('README tour', async () => {
  const mock = await startTestMock();
  it('runs command by command with the documented results', async () => {
    const script = tourScript().replaceAll('http://127.0.0.1:4010', mock.url);
    // Each curl's output ends with a newline so every answer is one line.
    // Asynchronously: the mock runs in this process and must keep answering.
    const { stdout: out } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `curl() { command curl "$@"; echo; }\n${script}`], {
      encoding: 'utf8',
    });
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
    // The last command reset the mock.
    expect(mock.runtime.store.keys()).toEqual([]);
  });
});
