// How a tenant's directory (Togai's customers and accounts) and its ledger
// (credits) hang together, for apply.ts: every directory account has a ledger
// account of the same id, customer and currency, so credits granted to it
// carry them; every ledger account has a directory account (one made on first
// use gets an implicit customer of the same id). Pure, like apply.

import { invalid, notFound } from '../../domain/errors.js';
import type { AccountRecord as DirectoryAccount } from '../../domain/directory/records.js';
import type { Tenant } from './store.js';

/** The ledger account of a directory account, made when missing (a provider state torn down may have taken it). */
export function ledgerAccountFor(t: Tenant, a: DirectoryAccount, now: number): void {
  if (!t.ledger.getAccount(a.id)) {
    t.ledger.createAccount({ accountId: a.id, customerId: a.customerId, currency: a.invoiceCurrency }, now);
  }
}

/**
 * The directory account `accountId` names, ready to take `what` ("credits",
 * "wallet top-ups"): refused when archived (400); when unknown, made on first
 * use with an implicit customer of the same id, or with --strict-accounts a
 * 404. `at` prefixes field names in messages.
 */
export function accountForUse(
  t: Tenant,
  accountId: string,
  now: number,
  what: string,
  at: string | (() => string) = '',
): DirectoryAccount {
  let a = t.directory.account(accountId);
  if (!a) {
    if (t.ledger.strictAccounts) {
      throw notFound(`${prefix(at)}account ${accountId} does not exist (--strict-accounts: create it first)`);
    }
    const ledgerAccount = t.ledger.getAccount(accountId);
    a = t.directory.adoptAccount(
      accountId,
      ledgerAccount?.customerId ?? accountId,
      ledgerAccount?.currency ?? t.directory.defaultCurrency,
      now,
    );
  }
  if (a.status === 'ARCHIVED') {
    throw invalid(`${prefix(at)}account ${accountId} is ARCHIVED (deleted) and takes no ${what}`);
  }
  ledgerAccountFor(t, a, now);
  return a;
}

/** A message's field prefix, made only when a message is (a grant passes it as a function). */
const prefix = (at: string | (() => string)): string => (typeof at === 'string' ? at : at());

/** Before a grant: every account its requests name exists (or is made), none is archived. */
export function prepareGrant(t: Tenant, requests: ReadonlyArray<{ accountId: string }>, now: number): void {
  for (let i = 0; i < requests.length; i++) {
    const id = requests[i]!.accountId;
    // With --strict-accounts an unknown account is the ledger's 404, in its words.
    if (t.ledger.strictAccounts && !t.directory.account(id)) continue;
    accountForUse(t, id, now, 'credits', () => `creditRequests[${i}].accountId: `);
  }
}
