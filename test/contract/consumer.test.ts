// The reference consumer's Pact tests, run into a temporary directory: they
// must pass against Pact's mock server, and the pact they write must be
// byte-identical to the committed contracts/pacts/ (so the repo always carries
// the current contract; `npm run pacts:update` refreshes it).

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Pact's core must not report usage over the network from a test run; the
// setting has to be in place before Pact loads, hence the dynamic import.
process.env.PACT_DO_NOT_TRACK ??= 'true';
const { writeReferencePacts } = await import('./reference-pact.js');

const COMMITTED = fileURLToPath(new URL('../../contracts/pacts/', import.meta.url));

describe('reference consumer pact', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-pacts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes its consumer tests and writes one pact file', async () => {
    await writeReferencePacts(dir);
    expect(readdirSync(dir)).toEqual(['togai-mock-reference-consumer-togai-credits-api.json']);
  });

  it('writes the same pact twice (deterministic)', async () => {
    const first = readFileSync(join(dir, 'togai-mock-reference-consumer-togai-credits-api.json'), 'utf8');
    const again = mkdtempSync(join(tmpdir(), 'togai-mock-pacts-'));
    try {
      await writeReferencePacts(again);
      expect(readFileSync(join(again, 'togai-mock-reference-consumer-togai-credits-api.json'), 'utf8')).toBe(first);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it('matches the committed contracts/pacts/ (run `npm run pacts:update` after changing the consumer tests)', () => {
    const generated = readdirSync(dir).sort();
    const committed = readdirSync(COMMITTED)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(committed).toEqual(generated);
    for (const f of generated) {
      expect(readFileSync(join(COMMITTED, f), 'utf8'), `contracts/pacts/${f} is out of date`).toBe(
        readFileSync(join(dir, f), 'utf8'),
      );
    }
  });

  it('runs on a Pact core whose mock server records a request before answering it (libpact_ffi 0.5.6 or later)', () => {
    // Earlier cores recorded the match afterwards: under CPU load a request the
    // mock server had answered could be reported as "expected but not received"
    // (pact-foundation/pact-core-mock-server#13).
    const pact = JSON.parse(readFileSync(join(dir, 'togai-mock-reference-consumer-togai-credits-api.json'), 'utf8'));
    const ffi = String(pact.metadata.pactRust.ffi).split('.').map(Number);
    expect(ffi).toHaveLength(3);
    const [major, minor, patch] = ffi as [number, number, number];
    expect(major * 1e6 + minor * 1e3 + patch, `libpact_ffi ${pact.metadata.pactRust.ffi}`).toBeGreaterThanOrEqual(5006);
  });

  it('covers the credits operations and the accounts operations, with 400, 401 and 404 cases', () => {
    const pact = JSON.parse(readFileSync(join(dir, 'togai-mock-reference-consumer-togai-credits-api.json'), 'utf8'));
    const seen = pact.interactions.map(
      (i: { request: { method: string; path: string }; response: { status: number } }) =>
        `${i.request.method} ${i.request.path.replace(/cred\.[^/]+/, '{id}')} ${i.response.status}`,
    );
    expect(new Set(seen)).toEqual(
      new Set([
        'POST /credits 200',
        'POST /credits 400',
        'POST /credits 401',
        'GET /credits 200',
        'GET /credits 400',
        'GET /credits/{id} 200',
        'GET /credits/{id} 404',
        'POST /credits/{id}/void 200',
        'POST /credits/{id}/void 400',
        'POST /credits/{id}/void 404',
        'GET /accounts/togai-mock-pact-acc-1/credit_balance 200',
        'GET /accounts/togai-mock-pact-acc-1/credit_balance 401',
        'POST /customers 201',
        'POST /customers 400',
        'GET /customers/togai-mock-pact-cus-1 200',
        'GET /customers/togai-mock-pact-missing 404',
        'POST /accounts 201',
        'POST /accounts 404',
        'GET /accounts/togai-mock-pact-acc-1 200',
        'GET /accounts/togai-mock-pact-missing 404',
        'POST /accounts/togai-mock-pact-acc-1/add_aliases 200',
        'POST /accounts/togai-mock-pact-acc-1/add_aliases 400',
        'POST /accounts/togai-mock-pact-acc-1/wallet_topup 200',
        'POST /accounts/togai-mock-pact-acc-1/wallet_topup 400',
        'GET /accounts/togai-mock-pact-acc-1/wallet 200',
        'GET /accounts/togai-mock-pact-missing/wallet 404',
        'GET /accounts/togai-mock-pact-acc-1/wallet/entries 200',
        'POST /ingest 202',
        'POST /ingest 400',
        'POST /ingestBatch 202',
        'POST /ingestBatch 207',
        'GET /events 200',
        'GET /events 400',
        'GET /events/togai-mock-pact-evt-1 200',
        'GET /events/togai-mock-pact-missing 404',
        'POST /events/correction 200',
        'POST /events/correction 404',
        'DELETE /accounts/togai-mock-pact-acc-9 200',
        'DELETE /accounts/togai-mock-pact-missing 404',
      ]),
    );
  });
});
