// The five Credits operations, named after their operationIds exactly as Togai
// publishes them (so the balance one is CreditBalanceForAccount). Each takes the
// validated request and the caller's tenant, and returns the status and body:
// a read looks at the tenant through engine.read, a change is a command given
// to engine.execute (answered once it is in the log and applied). They never
// touch Express, the store or the log directly. Frozen: a test that needs
// another handler passes it to createApp (AppExtras).

import type { CreateCreditRequest, CreditStatus } from '../spec/types.js';
import type { OperationHandler } from './pipeline.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const DEFAULT_PAGE_SIZE = 50;

export const creditHandlers: Readonly<Record<string, OperationHandler>> = Object.freeze({
  createCredit({ tenantKey, engine, body }) {
    const { creditRequests } = body as CreateCreditRequest;
    return engine.execute({ type: 'grant', tenant: tenantKey, requests: creditRequests }, (credits) => ({
      status: 200,
      body: { credits },
    }));
  },

  listCredits({ tenantKey, engine, query }) {
    const token = query.nextToken as string | undefined;
    const cursor = token === undefined ? undefined : decodeCursor(token);
    const pageSize = (query.pageSize as number | undefined) ?? cursor?.pageSize ?? DEFAULT_PAGE_SIZE;
    return engine.read((state) => {
      const tenant = state.tenants.peek(tenantKey);
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
    });
  },

  getCreditDetails({ tenantKey, engine, params }) {
    return engine.read((state) => {
      const tenant = state.tenants.peek(tenantKey);
      return { status: 200, body: tenant.ledger.getCreditDetails(params.credit_id!, tenant.clock.now()) };
    });
  },

  voidCredit({ tenantKey, engine, params }) {
    return engine.execute({ type: 'void', tenant: tenantKey, creditId: params.credit_id! }, (credit) => ({
      status: 200,
      body: credit,
    }));
  },

  CreditBalanceForAccount({ tenantKey, engine, params }) {
    return engine.read((state) => {
      const tenant = state.tenants.peek(tenantKey);
      return { status: 200, body: tenant.ledger.balance(params.account_id!, tenant.clock.now()) };
    });
  },
});
