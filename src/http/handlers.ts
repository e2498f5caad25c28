// The five Credits operations, named after their operationIds exactly as Togai
// publishes them (so the balance one is CreditBalanceForAccount). Each takes the
// validated request and the caller's tenant, asks the domain, and returns the
// status and body; they never touch Express or the store directly. Frozen: a
// test that needs another handler passes it to createApp (AppExtras).

import type { CreateCreditRequest, CreditStatus } from '../spec/types.js';
import type { OperationHandler } from './pipeline.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const DEFAULT_PAGE_SIZE = 50;

export const creditHandlers: Readonly<Record<string, OperationHandler>> = Object.freeze({
  createCredit({ tenant, body }) {
    const { creditRequests } = body as CreateCreditRequest;
    return { status: 200, body: { credits: tenant.ledger.grant(creditRequests, tenant.clock.now()) } };
  },

  listCredits({ tenant, query }) {
    const token = query.nextToken as string | undefined;
    const cursor = token === undefined ? undefined : decodeCursor(token);
    const pageSize = (query.pageSize as number | undefined) ?? cursor?.pageSize ?? DEFAULT_PAGE_SIZE;
    const page = tenant.ledger.list(
      {
        pageSize,
        status: query.status as CreditStatus | undefined,
        accountId: query.account_id as string | undefined,
        id: query.id as string | undefined,
        afterId: cursor?.lastItemId,
      },
      tenant.clock.now(),
    );
    const body: { data: unknown[]; nextToken?: string } = { data: page.credits };
    if (page.nextAfterId !== undefined) {
      body.nextToken = encodeCursor({ lastItemId: page.nextAfterId, pageSize, sortOrder: 'asc' });
    }
    return { status: 200, body };
  },

  getCreditDetails({ tenant, params }) {
    return { status: 200, body: tenant.ledger.getCreditDetails(params.credit_id!, tenant.clock.now()) };
  },

  voidCredit({ tenant, params }) {
    return { status: 200, body: tenant.ledger.void(params.credit_id!, tenant.clock.now()) };
  },

  CreditBalanceForAccount({ tenant, params }) {
    return { status: 200, body: tenant.ledger.balance(params.account_id!, tenant.clock.now()) };
  },
});
