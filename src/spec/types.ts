// Friendly names for the types generated from spec/togai-credits.yaml
// (src/spec/types.gen.ts, made by `npm run gen:types`; never edit it by hand).

import type { components } from './types.gen.js';

type S = components['schemas'];

export type CreditStatus = S['CreditStatus'];
export type CreditRequest = S['CreditRequest'];
export type CreateCreditRequest = S['CreateCreditRequest'];
export type CreateCreditResponse = S['CreateCreditResponse'];
export type Credit = S['Credit'];
export type CreditDetailsResponse = S['CreditDetailsResponse'];
export type CreditTransaction = S['CreditTransaction'];
export type TransactionType = CreditTransaction['transactionType'];
export type ListCreditsResponse = S['ListCreditsResponse'];
export type CreditBalanceResponse = S['CreditBalanceResponse'];
export type ErrorResponse = S['ErrorResponse'];
