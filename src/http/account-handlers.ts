// The Togai API handlers of customers (with contacts), accounts (with
// aliases) and the account's wallet (spec/togai-accounts.yaml), by
// operationId. An operation of that document without a handler here answers
// 501 (app.ts mounts them with pipeline.ts's notImplemented).
//
// Like the credit handlers: a read looks at the tenant through engine.read
// (never creating or changing anything), a change is a command given to
// engine.execute and answered with what applying it returned.

import { randomBytes } from 'node:crypto';
import { hashPassword } from '../domain/directory/directory.js';
import type {
  AccountInput,
  AccountPatch,
  AddAliasesInput,
  ContactInput,
  CustomerInput,
  CustomerPatch,
  RemoveAliasesInput,
  WalletPatch,
} from '../domain/directory/records.js';
import { toAccount, toAlias, toCustomer, toWallet, toWalletEntry } from '../domain/directory/shapes.js';
import { invalid } from '../domain/errors.js';
import type { MockState } from '../store/machine/state.js';
import type { Tenant } from '../store/machine/store.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { OperationHandler, OperationInput } from './pipeline.js';

const DEFAULT_PAGE_SIZE = 50;

/** The page size asked for (or the cursor's, or 50) and where the page starts. */
function paging(query: OperationInput['query']): { pageSize: number; afterId: string | undefined } {
  const token = query.nextToken as string | undefined;
  const cursor = token === undefined ? undefined : decodeCursor(token);
  const pageSize = (query.pageSize as number | undefined) ?? cursor?.pageSize ?? DEFAULT_PAGE_SIZE;
  return { pageSize, afterId: cursor?.lastItemId };
}

function pageBody<T extends { id: string }>(
  page: { items: T[]; more: boolean },
  pageSize: number,
  shape: (item: T) => unknown,
): { data: unknown[]; nextToken?: string } {
  const body: { data: unknown[]; nextToken?: string } = { data: page.items.map(shape) };
  const last = page.items.at(-1);
  if (page.more && last) body.nextToken = encodeCursor({ lastItemId: last.id, pageSize, sortOrder: 'asc' });
  return body;
}

function readTenant<R>(input: OperationInput, read: (t: Tenant, state: MockState) => R): Promise<R> | R {
  return input.engine.read((state) => read(state.tenants.peek(input.tenantKey), state));
}

const ok = (body: unknown) => ({ status: 200, body });
const created = (body: unknown) => ({ status: 201, body });
const success = () => ({ status: 200, body: { success: true } });

/** `true` / `false` as the query parser left them (booleans, or their text). */
const flag = (value: unknown): boolean => value === true || value === 'true';

export const accountHandlers: Readonly<Record<string, OperationHandler>> = Object.freeze({
  // ---------------------------------------------------------------- customers

  createCustomer({ tenantKey, engine, body }) {
    return engine.execute({ type: 'createCustomer', tenant: tenantKey, input: body as CustomerInput }, created);
  },

  getCustomers(input) {
    const { pageSize, afterId } = paging(input.query);
    return readTenant(input, (t) => ok(pageBody(t.directory.listCustomers(afterId, pageSize), pageSize, toCustomer)));
  },

  getCustomer(input) {
    return readTenant(input, (t) => ok(toCustomer(t.directory.mustCustomer(input.params.customer_id!))));
  },

  updateCustomer({ tenantKey, engine, params, body }) {
    return engine.execute(
      { type: 'updateCustomer', tenant: tenantKey, customerId: params.customer_id!, patch: body as CustomerPatch },
      ok,
    );
  },

  deleteCustomer({ tenantKey, engine, params }) {
    return engine.execute({ type: 'deleteCustomer', tenant: tenantKey, customerId: params.customer_id! }, success);
  },

  createCustomerContact({ tenantKey, engine, params, body }) {
    // The password is hashed here, before the change is logged: no log, state file or replica ever holds it.
    const { password, ...rest } = body as Omit<ContactInput, 'passwordHash'> & { password?: string };
    const contact: ContactInput = { ...rest };
    if (password !== undefined) contact.passwordHash = hashPassword(password, randomBytes(12).toString('base64url'));
    return engine.execute(
      { type: 'createCustomerContact', tenant: tenantKey, customerId: params.customer_id!, input: contact },
      created,
    );
  },

  // ----------------------------------------------------------------- accounts

  createAccount({ tenantKey, engine, body }) {
    const { customerId, ...account } = body as AccountInput & { customerId: string };
    return engine.execute({ type: 'togaiCreateAccount', tenant: tenantKey, customerId, input: account }, created);
  },

  getAccounts(input) {
    const { pageSize, afterId } = paging(input.query);
    return readTenant(input, (t) => {
      const now = t.clock.now();
      const shape = (a: Parameters<typeof toAccount>[0]) =>
        toAccount(a, { effectiveOn: now, togaiCustomerId: t.directory.customer(a.customerId)!.togaiCustomerId });
      return ok(pageBody(t.directory.listAccounts(afterId, pageSize), pageSize, shape));
    });
  },

  getAccount(input) {
    const { params, query } = input;
    let effectiveOn: number | undefined;
    if (query.effectiveOn !== undefined) {
      effectiveOn = Date.parse(query.effectiveOn as string);
      if (Number.isNaN(effectiveOn)) throw invalid('effectiveOn must be a date-time');
    }
    return readTenant(input, (t) => {
      const a = t.directory.mustAccount(params.account_id!);
      return ok(
        toAccount(a, {
          effectiveOn: effectiveOn ?? t.clock.now(),
          togaiCustomerId: t.directory.customer(a.customerId)!.togaiCustomerId,
          includeGroupDetails: flag(query.includeGroupDetails),
        }),
      );
    });
  },

  updateAccount({ tenantKey, engine, params, body }) {
    return engine.execute(
      { type: 'updateAccount', tenant: tenantKey, accountId: params.account_id!, patch: body as AccountPatch },
      ok,
    );
  },

  deleteAccount({ tenantKey, engine, params }) {
    return engine.execute({ type: 'deleteAccount', tenant: tenantKey, accountId: params.account_id! }, success);
  },

  addAliases({ tenantKey, engine, params, body }) {
    return engine.execute(
      { type: 'addAliases', tenant: tenantKey, accountId: params.account_id!, input: body as AddAliasesInput },
      ok,
    );
  },

  removeAliases({ tenantKey, engine, params, body }) {
    return engine.execute(
      { type: 'removeAliases', tenant: tenantKey, accountId: params.account_id!, input: body as RemoveAliasesInput },
      ok,
    );
  },

  listAccountAliases(input) {
    return readTenant(input, (t) =>
      ok({ data: t.directory.mustAccount(input.params.account_id!).aliases.map(toAlias) }),
    );
  },

  // ------------------------------------------------------------------- wallet

  topUpWalletForAccount({ tenantKey, engine, params, body }) {
    const { topupAmount } = body as { topupAmount: number };
    return engine.execute(
      { type: 'walletTopUp', tenant: tenantKey, accountId: params.account_id!, amount: topupAmount },
      ok,
    );
  },

  WalletBalanceForAccount(input) {
    return readTenant(input, (t) => ok(toWallet(t.directory.mustAccount(input.params.account_id!))));
  },

  updateWalletForAccount({ tenantKey, engine, params, body }) {
    return engine.execute(
      { type: 'updateWallet', tenant: tenantKey, accountId: params.account_id!, patch: (body ?? {}) as WalletPatch },
      ok,
    );
  },

  WalletEntriesForAccount(input) {
    const { pageSize, afterId } = paging(input.query);
    return readTenant(input, (t) => {
      const a = t.directory.mustAccount(input.params.account_id!);
      const page = t.directory.walletEntries(a.id, afterId, pageSize);
      return ok(pageBody(page, pageSize, (e) => toWalletEntry(a.wallet.id, e)));
    });
  },
});
