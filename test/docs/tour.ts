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
  const [customer, granted, listed, details, balance, voided, error, wallet, ingested, ...rest] = answers;
  expect(rest).toEqual([]);
  expect(customer).toMatchObject({ id: 'CUS001', account: { id: 'ACC001', customerId: 'CUS001', status: 'ACTIVE' } });
  expect(customer.togaiCustomerId).toEqual(customer.account.togaiCustomerId);
  expect(granted.credits.map((c: any) => c.creditAmount)).toEqual([1000, 50]);
  // The credits carry the account's customer and currency.
  expect(granted.credits.map((c: any) => [c.customerId, c.creditUnit])).toEqual([
    ['CUS001', 'EUR'],
    ['CUS001', 'EUR'],
  ]);
  expect(listed.data).toHaveLength(2);
  expect(details.transactions.map((t: any) => t.transactionType)).toEqual(['CREDITED']);
  expect(balance).toMatchObject({ activeCredits: 1050, availableBalance: 1050, unit: 'EUR' });
  expect(voided).toMatchObject({ id: details.id, status: 'VOIDED' });
  expect(error).toEqual({ message: 'creditRequests[0].priority must be integer' });
  expect(wallet).toMatchObject({ accountId: 'ACC001', customerId: 'CUS001', balance: 200, creditUnit: 'EUR' });
  expect(ingested).toMatchObject({
    success: true,
    statusCode: 202,
    details: { events: [{ id: 'ride-0001', status: 'INGESTION_COMPLETED_NO_MATCHING_METERS' }] },
  });
}
