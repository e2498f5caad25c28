// The directory's rules without HTTP: customers, accounts, alias windows,
// wallets and their entries, archiving, all-or-nothing changes, snapshots.

import { describe, expect, it } from 'vitest';
import { Directory, hashPassword } from '../../src/domain/directory/directory.js';
import type { CustomerInput } from '../../src/domain/directory/records.js';
import { toAlias, toWallet, toWalletEntry } from '../../src/domain/directory/shapes.js';
import { MockError } from '../../src/domain/errors.js';

const T = (iso: string): number => Date.parse(iso);
const NOW = T('2024-06-01T12:00:00Z');
const HOUR = 3_600_000;

const customer = (id: string, over: Partial<CustomerInput> = {}): CustomerInput => ({
  id,
  name: `Name of ${id}`,
  primaryEmail: `${id}@example.com`,
  address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
  ...over,
});

/** A directory with customer C1 and its account A1 (EUR). */
function withAccount(seed = 7): Directory {
  const d = new Directory({ seed });
  d.createCustomer(customer('C1', { account: { id: 'A1', name: 'Acme main', invoiceCurrency: 'EUR' } }), NOW);
  return d;
}

function kindOf(f: () => unknown): { kind: string; message: string } {
  try {
    f();
  } catch (err) {
    if (err instanceof MockError) return { kind: err.kind, message: err.message };
    throw err;
  }
  throw new Error('expected a MockError');
}

describe('customers and accounts', () => {
  it('a customer made with an account gets Togai ids, and the account a wallet of its currency at 0', () => {
    const d = withAccount();
    const c = d.customer('C1')!;
    expect(c.togaiCustomerId).toMatch(/^customer\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/);
    const a = d.account('A1')!;
    expect(a).toMatchObject({ customerId: 'C1', status: 'ACTIVE', invoiceCurrency: 'EUR' });
    expect(a.togaiAccountId).toMatch(/^account\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/);
    expect(toWallet(a)).toMatchObject({
      accountId: 'A1',
      customerId: 'C1',
      balance: 0,
      creditUnit: 'EUR',
      status: 'ACTIVE',
    });
    expect(c.accountIds).toEqual(['A1']);
  });

  it('the same seed and changes make the same ids; another seed other ids', () => {
    expect(withAccount(3).toJSON()).toEqual(withAccount(3).toJSON());
    expect(withAccount(4).account('A1')!.togaiAccountId).not.toBe(withAccount(3).account('A1')!.togaiAccountId);
  });

  it('an id taken is a conflict (archived ones too); an unknown customer is 404', () => {
    const d = withAccount();
    expect(kindOf(() => d.createCustomer(customer('C1'), NOW)).kind).toBe('conflict');
    expect(kindOf(() => d.createAccount('C1', { id: 'A1', name: 'again' }, NOW)).kind).toBe('conflict');
    d.deleteAccount('A1', NOW);
    expect(kindOf(() => d.createAccount('C1', { id: 'A1', name: 'again' }, NOW)).kind).toBe('conflict');
    expect(kindOf(() => d.createAccount('NOPE', { id: 'A2', name: 'x y z' }, NOW))).toEqual({
      kind: 'not_found',
      message: 'customerId: customer NOPE does not exist',
    });
  });

  it('deleting a customer archives it and its accounts: still readable, out of lists, deleting again is 404', () => {
    const d = withAccount();
    d.createAccount('C1', { id: 'A2', name: 'second', status: 'DRAFT' }, NOW);
    d.createCustomer(customer('C2'), NOW);
    d.deleteCustomer('C1', NOW + HOUR);
    expect(d.customer('C1')!.status).toBe('ARCHIVED');
    expect(d.account('A1')!.status).toBe('ARCHIVED');
    expect(d.account('A2')!.status).toBe('ARCHIVED');
    expect(d.listCustomers(undefined, 50).items.map((c) => c.id)).toEqual(['C2']);
    expect(d.listAccounts(undefined, 50).items).toEqual([]);
    expect(kindOf(() => d.deleteCustomer('C1', NOW)).kind).toBe('not_found');
    expect(kindOf(() => d.deleteAccount('A1', NOW)).kind).toBe('not_found');
    expect(kindOf(() => d.updateCustomer('C1', { name: 'new name' }, NOW)).kind).toBe('invalid');
    expect(kindOf(() => d.createAccount('C1', { id: 'A3', name: 'third' }, NOW)).kind).toBe('invalid');
    expect(kindOf(() => d.topUp('A1', 5, NOW)).message).toMatch(/ARCHIVED/);
  });

  it('lists page in creation order by cursor, skipping archived ones', () => {
    const d = new Directory({ seed: 1 });
    for (let i = 0; i < 7; i++) d.createCustomer(customer(`C${i}`), NOW);
    d.deleteCustomer('C2', NOW);
    const first = d.listCustomers(undefined, 3);
    expect(first.items.map((c) => c.id)).toEqual(['C0', 'C1', 'C3']);
    expect(first.more).toBe(true);
    const second = d.listCustomers('C3', 3);
    expect(second.items.map((c) => c.id)).toEqual(['C4', 'C5', 'C6']);
    expect(second.more).toBe(false);
    expect(kindOf(() => d.listCustomers('GONE', 3)).kind).toBe('invalid');
  });

  it('a contact keeps only a salted hash of its password, and a username is unique', () => {
    const d = withAccount();
    const hash = hashPassword('s3cret!', 'salt1');
    expect(hash).toMatch(/^sha256\$salt1\$[0-9a-f]{64}$/);
    expect(hash).not.toContain('s3cret');
    const c = d.createContact(
      'C1',
      { name: 'Jo', email: 'jo@example.com', preferredUsername: 'jo123', passwordHash: hash },
      NOW,
    );
    expect(c).toMatchObject({ username: 'jo123', loginAccess: false, verified: false, passwordHash: hash });
    expect(JSON.stringify(d.toJSON())).not.toContain('s3cret');
    expect(
      kindOf(() => d.createContact('C1', { name: 'Al', email: 'al@example.com', preferredUsername: 'jo123' }, NOW))
        .kind,
    ).toBe('conflict');
    expect(d.createContact('C1', { name: 'Al', email: 'al@example.com' }, NOW).username).toMatch(/^user\./);
  });
});

describe('aliases', () => {
  it('an alias names its account for events only within its window', () => {
    const d = withAccount();
    d.addAliases(
      'A1',
      {
        accountAliases: [
          { value: 'acme', effectiveFrom: '2024-06-01T00:00:00Z', effectiveUntil: '2024-07-01T00:00:00Z' },
        ],
      },
      NOW,
    );
    expect(d.resolveForEvent('acme', T('2024-06-15T00:00:00Z'))).toEqual({ accountId: 'A1', status: 'ACTIVE' });
    expect(d.resolveForEvent('acme', T('2024-07-01T00:00:00Z'))).toBeUndefined();
    expect(d.resolveForEvent('acme', T('2024-05-31T23:59:59Z'))).toBeUndefined();
    expect(d.resolveForEvent('A1', 0)).toEqual({ accountId: 'A1', status: 'ACTIVE' });
    expect(d.resolveForEvent('nobody', NOW)).toBeUndefined();
  });

  it('one account per alias at a time: an overlapping claim is 400, an adjacent one is fine', () => {
    const d = withAccount();
    d.createAccount('C1', { id: 'A2', name: 'other' }, NOW);
    d.addAliases('A1', { accountAliases: [{ value: 'acme', effectiveUntil: '2024-07-01T00:00:00Z' }] }, NOW);
    const refused = kindOf(() =>
      d.addAliases('A2', { accountAliases: [{ value: 'acme', effectiveFrom: '2024-06-30T00:00:00Z' }] }, NOW),
    );
    expect(refused.kind).toBe('invalid');
    expect(refused.message).toBe(
      'accountAliases[0]: alias acme is already claimed by account A1 for an overlapping window',
    );
    d.addAliases('A2', { accountAliases: [{ value: 'acme', effectiveFrom: '2024-07-01T00:00:00Z' }] }, NOW);
    expect(d.resolveForEvent('acme', T('2024-06-30T00:00:00Z'))!.accountId).toBe('A1');
    expect(d.resolveForEvent('acme', T('2024-07-02T00:00:00Z'))!.accountId).toBe('A2');
    expect(kindOf(() => d.addAliases('A2', { aliases: ['x1y', 'x1y'] }, NOW)).message).toMatch(/given twice/);
    expect(
      kindOf(() =>
        d.addAliases(
          'A1',
          {
            accountAliases: [
              { value: 'w1w', effectiveFrom: '2024-07-01T00:00:00Z', effectiveUntil: '2024-06-01T00:00:00Z' },
            ],
          },
          NOW,
        ),
      ).message,
    ).toMatch(/^accountAliases\[0\]\.effectiveUntil .* must be after effectiveFrom/);
  });

  it('at most 10 aliases are in effect at any instant, past ones included', () => {
    const d = withAccount();
    const ten = Array.from({ length: 10 }, (_, i) => `alias-${i}`);
    d.addAliases('A1', { aliases: ten }, NOW);
    expect(kindOf(() => d.addAliases('A1', { aliases: ['one-more'] }, NOW)).message).toBe(
      'aliases: an account has at most 10 aliases in effect at any instant (this would make 11)',
    );
    d.removeAliases('A1', { aliases: ten }, NOW);
    // Ten more from now on: fine, the first ten ended. Unbounded into the past, they would overlap them.
    d.addAliases(
      'A1',
      { accountAliases: ten.map((v) => ({ value: `${v}-b`, effectiveFrom: new Date(NOW).toISOString() })) },
      NOW,
    );
    expect(kindOf(() => d.addAliases('A1', { aliases: ['since-ever'] }, NOW)).kind).toBe('invalid');
  });

  it('removing ends the window at `from` (soft): the alias stays listed, the value is free afterwards', () => {
    const d = withAccount();
    d.createAccount('C1', { id: 'A2', name: 'other' }, NOW);
    d.addAliases('A1', { aliases: ['acme'] }, NOW);
    const id = d.account('A1')!.aliases[0]!.id;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    d.removeAliases('A1', { accountAliases: [{ id, from: '2024-08-01T00:00:00Z' }] }, NOW);
    const alias = d.account('A1')!.aliases[0]!;
    expect(toAlias(alias)).toMatchObject({
      value: 'acme',
      effectiveFrom: '0001-01-01T00:00:00.000Z',
      effectiveUntil: '2024-08-01T00:00:00.000Z',
    });
    expect(d.resolveForEvent('acme', T('2024-07-31T00:00:00Z'))!.accountId).toBe('A1');
    expect(d.resolveForEvent('acme', T('2024-08-01T00:00:00Z'))).toBeUndefined();
    d.addAliases('A2', { accountAliases: [{ value: 'acme', effectiveFrom: '2024-08-01T00:00:00Z' }] }, NOW);
    expect(d.resolveForEvent('acme', T('2024-09-01T00:00:00Z'))!.accountId).toBe('A2');
    expect(kindOf(() => d.removeAliases('A1', { accountAliases: [{ id: 'nope' }] }, NOW)).message).toBe(
      'accountAliases[0].id: account A1 has no alias nope',
    );
  });

  it('archiving an account ends its open aliases, so another account may claim them', () => {
    const d = withAccount();
    d.createAccount('C1', { id: 'A2', name: 'other' }, NOW);
    d.addAliases('A1', { aliases: ['acme'] }, NOW);
    d.deleteAccount('A1', NOW + HOUR);
    expect(d.resolveForEvent('acme', NOW)).toEqual({ accountId: 'A1', status: 'ARCHIVED' });
    d.addAliases(
      'A2',
      { aliases: [], accountAliases: [{ value: 'acme', effectiveFrom: new Date(NOW + HOUR).toISOString() }] },
      NOW + HOUR,
    );
    expect(d.resolveForEvent('acme', NOW + 2 * HOUR)!.accountId).toBe('A2');
  });
});

describe('wallet', () => {
  it('moves only by entries, each with its closing balance; holds settle or come back', () => {
    const d = withAccount();
    d.topUp('A1', 100, NOW);
    expect(d.walletDebit('A1', { amount: 30 }, NOW + 1)).toMatchObject({ amount: 30, unmet: 0, hold: false });
    const held = d.walletDebit('A1', { amount: 50, hold: true, invoiceId: 'inv-1' }, NOW + 2);
    expect(held).toMatchObject({ amount: 50, unmet: 0, hold: true });
    expect(toWallet(d.account('A1')!)).toMatchObject({ balance: 20, holdAmount: 50 });
    expect(d.walletDebit('A1', { amount: 25 }, NOW + 3)).toMatchObject({ amount: 20, unmet: 5 });
    expect(d.releaseWalletHolds('A1', { invoiceId: 'inv-1' }, NOW + 4)).toMatchObject({ total: 50 });
    const w = d.account('A1')!.wallet;
    expect(w).toMatchObject({ balance: 50, holdAmount: 0 });
    const entries = w.entries.map((e) => toWalletEntry(w.id, e));
    expect(entries.map((e) => [e.transactionType, e.status, e.amount, e.closingBalance])).toEqual([
      ['CREDITED', 'COMPLETED', 100, 100],
      ['DEBITED', 'COMPLETED', 30, 70],
      ['DEBITED', 'COMPLETED', 50, 20],
      ['DEBITED', 'COMPLETED', 20, 0],
      ['CREDITED', 'COMPLETED', 50, 50],
    ]);
    const again = d.walletDebit('A1', { amount: 10, hold: true }, NOW + 5);
    d.settleWalletHolds('A1', { holdId: again.entryId! }, NOW + 6);
    expect(d.account('A1')!.wallet).toMatchObject({ balance: 40, holdAmount: 0 });
    expect(d.account('A1')!.wallet.entries.at(-1)).toMatchObject({ status: 'COMPLETED', closingBalance: 40 });
    expect(kindOf(() => d.settleWalletHolds('A1', { holdId: 'nope' }, NOW)).kind).toBe('not_found');
  });

  it('refuses a top-up of 0 or less, or of an INACTIVE wallet; a DRAFT account is not drawn on', () => {
    const d = withAccount();
    expect(kindOf(() => d.topUp('A1', 0, NOW)).message).toBe('topupAmount must be greater than 0 (was 0)');
    expect(kindOf(() => d.topUp('A1', -5, NOW)).kind).toBe('invalid');
    d.updateWallet('A1', { status: 'INACTIVE' }, NOW);
    expect(kindOf(() => d.topUp('A1', 5, NOW)).message).toMatch(/INACTIVE/);
    d.updateWallet('A1', { status: 'ACTIVE' }, NOW);
    d.updateAccount('A1', { status: 'DRAFT' }, NOW, false);
    d.topUp('A1', 5, NOW);
    expect(kindOf(() => d.walletDebit('A1', { amount: 1 }, NOW)).message).toMatch(/DRAFT/);
    expect(d.account('A1')!.wallet.balance).toBe(5);
  });
});

describe('all or nothing, snapshots', () => {
  it('a change that throws half-way leaves nothing behind, ids included', () => {
    const d = withAccount();
    const before = d.toJSON();
    expect(() =>
      d.atomically(() => {
        d.createCustomer(customer('C9', { account: { id: 'A9', name: 'nine', aliases: ['nine'] } }), NOW);
        d.topUp('A1', 10, NOW);
        d.addAliases('A1', { aliases: ['acme'] }, NOW);
        d.deleteCustomer('C1', NOW);
        d.topUp('A9', -1, NOW);
      }),
    ).toThrow(MockError);
    expect(d.toJSON()).toEqual(before);
    expect(d.resolveForEvent('nine', NOW)).toBeUndefined();
    expect(d.resolveForEvent('acme', NOW)).toBeUndefined();
    // The same change made afterwards makes the same ids as on a directory that never saw the failed one.
    const fresh = withAccount();
    d.createCustomer(customer('C9'), NOW);
    fresh.createCustomer(customer('C9'), NOW);
    expect(d.toJSON()).toEqual(fresh.toJSON());
  });

  it('a nested change taken back by the outer one goes too', () => {
    const d = withAccount();
    const before = d.toJSON();
    expect(() =>
      d.atomically(() => {
        d.atomically(() => d.topUp('A1', 10, NOW));
        throw new MockError('invalid', 'later');
      }),
    ).toThrow('later');
    expect(d.toJSON()).toEqual(before);
  });

  it('an inner change that throws goes alone; committed changes stay when a later one throws', () => {
    const d = withAccount();
    d.atomically(() => {
      d.topUp('A1', 10, NOW);
      expect(() =>
        d.atomically(() => {
          d.topUp('A1', 5, NOW);
          throw new MockError('invalid', 'inner');
        }),
      ).toThrow('inner');
      d.topUp('A1', 1, NOW);
    });
    expect(d.account('A1')!.wallet.balance).toBe(11);
    const after = d.toJSON();
    expect(() =>
      d.atomically(() => {
        d.topUp('A1', 100, NOW);
        throw new MockError('invalid', 'later');
      }),
    ).toThrow('later');
    expect(d.toJSON()).toEqual(after);
  });

  it('restores from its JSON to the same answers', () => {
    const d = withAccount();
    d.addAliases('A1', { accountAliases: [{ value: 'acme', effectiveFrom: '2024-01-01T00:00:00Z' }] }, NOW);
    d.topUp('A1', 12.5, NOW);
    d.createContact('C1', { name: 'Jo', email: 'jo@example.com', preferredUsername: 'jo123' }, NOW);
    d.deleteCustomer('C1', NOW + HOUR);
    d.createCustomer(customer('C2', { account: { id: 'A2', name: 'two' } }), NOW);
    const json = JSON.parse(JSON.stringify(d.toJSON()));
    const copy = new Directory();
    copy.restore(json);
    expect(copy.toJSON()).toEqual(d.toJSON());
    expect(copy.resolveForEvent('acme', NOW)).toEqual(d.resolveForEvent('acme', NOW));
    expect(
      kindOf(() => copy.createContact('C2', { name: 'X', email: 'x@example.com', preferredUsername: 'jo123' }, NOW))
        .kind,
    ).toBe('conflict');
    // The next ids are the same as well.
    copy.createCustomer(customer('C3'), NOW);
    d.createCustomer(customer('C3'), NOW);
    expect(copy.customer('C3')!.togaiCustomerId).toBe(d.customer('C3')!.togaiCustomerId);
  });
});
