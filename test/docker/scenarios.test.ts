// What users do with the image, against a running container: the README's
// curl tour, a consumer's Togai client through every Credits operation, and
// `togai-mock verify` of contracts/ run inside the image against the
// container, over a Docker network as two services would talk.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TogaiCreditsClient } from '../contract/reference-client.js';
import { hasCurl, runTour } from '../docs/tour.js';
import { LABEL, docker, dockerOk, image, skipReason, startContainer, uniqueName, type Container } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
if (!skipReason && !hasCurl)
  console.warn('SKIPPED: the README tour against the image needs curl on PATH, and this machine has none.');

describe.skipIf(skipReason !== '')('the image, as users drive it', () => {
  let network: string;
  let mock: Container;

  beforeAll(async () => {
    network = uniqueName('net');
    await dockerOk(['network', 'create', '--label', LABEL, network]);
    mock = await startContainer([
      '--network',
      network,
      '--network-alias',
      'togai',
      '-e',
      'TOGAI_MOCK_TOKENS=dev-token,ref-token',
    ]);
  });

  it.skipIf(!hasCurl)('the README tour, command by command', async () => {
    await runTour(mock.url);
    // The tour ends with a reset.
    // (A tenant's ledger also carries its id generator's state, idState.)
    const state = (await (await fetch(`${mock.url}/_mock/state`)).json()) as {
      tenants: Array<{ ledger: Record<string, unknown> }>;
    };
    for (const tenant of state.tenants) expect(tenant.ledger).toMatchObject({ accounts: [], credits: [], holds: [] });
  });

  it("a consumer's Togai client: every Credits operation, and Togai's errors", async () => {
    const client = new TogaiCreditsClient(mock.url, { bearer: 'ref-token' });
    const byKey = new TogaiCreditsClient(mock.url, { apiKey: 'ref-token' });
    const account = `ACC-DOCKER-${Date.now()}`;
    const grant = await client.grantCredits([
      {
        accountId: account,
        purpose: 'PREPAID_CREDIT',
        effectiveFrom: '2024-01-01',
        effectiveUntil: '2099-12-31',
        creditAmount: 300,
        priority: 1,
      },
      { accountId: account, purpose: 'PROMOTIONAL', effectiveFrom: '2024-01-01', creditAmount: 20, priority: 2 },
    ]);
    expect(grant.status).toBe(200);
    const [first] = grant.body.credits as Array<{ id: string }>;

    const listed = await client.listCredits({ account_id: account });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(2);
    const details = await byKey.creditDetails(first!.id);
    expect(details.status).toBe(200);
    expect(details.body.transactions.map((t: { transactionType: string }) => t.transactionType)).toEqual(['CREDITED']);
    expect((await client.creditBalance(account)).body).toMatchObject({ activeCredits: 320, availableBalance: 320 });

    const voided = await client.voidCredit(first!.id);
    expect(voided.body).toMatchObject({ id: first!.id, status: 'VOIDED' });
    expect((await client.creditBalance(account)).body).toMatchObject({ availableBalance: 20 });
    // Voiding twice, a credit that does not exist, a bad body, a wrong and a missing credential.
    expect((await client.voidCredit(first!.id)).status).toBe(400);
    const missing = await client.creditDetails('cred.nope.00000');
    expect(missing.status).toBe(404);
    expect(typeof missing.body.message).toBe('string');
    const bad = await client.grantCredits([
      { accountId: account, purpose: 'X', effectiveFrom: '2024-01-01', priority: 'high' },
    ]);
    expect(bad).toEqual({ status: 400, body: { message: 'creditRequests[0].priority must be integer' } });
    expect(
      (await new TogaiCreditsClient(mock.url, { bearer: 'wrong' }).listCredits({ account_id: account })).status,
    ).toBe(401);
    expect((await new TogaiCreditsClient(mock.url, null).creditBalance(account)).status).toBe(401);
  });

  it('togai-mock verify of contracts/, run in the image against the container', async () => {
    const verify = await docker([
      'run',
      '--rm',
      '--label',
      LABEL,
      '--network',
      network,
      '-v',
      `${join(ROOT, 'contracts/pacts')}:/pacts:ro`,
      image(),
      'verify',
      '--pacts',
      '/pacts',
      '--provider-base-url',
      'http://togai:4010',
      '--token',
      'ref-token',
    ]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // Every interaction of the committed pact, however many the reference consumer has.
    const pactDir = join(ROOT, 'contracts/pacts');
    const files = readdirSync(pactDir).filter((f) => f.endsWith('.json'));
    const interactions = files.reduce(
      (n, f) =>
        n + (JSON.parse(readFileSync(join(pactDir, f), 'utf8')) as { interactions: unknown[] }).interactions.length,
      0,
    );
    expect(interactions).toBeGreaterThan(30);
    expect(verify.stdout).toContain(`${interactions} interaction(s) in ${files.length} pact file(s)`);
    expect(verify.stdout).toContain('against http://togai:4010 (togai-mock');
    expect(verify.stdout).toContain('togai-mock verify: PASSED');
  });
});
