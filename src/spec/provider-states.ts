// The Pact provider-state vocabulary of spec/togai-mock-control.yaml: each
// state's name, the params it cannot do without, and the defaults of a
// credit a state makes. Both sides use it: the mock, which sets states up
// (domain/provider-states.ts), and the contract kit, which checks pacts and
// drives states on a mock or a real Togai (contract/). It lives with the
// spec because it restates the spec's `state` enum (checked at compile time
// below) and the defaults the spec documents, and because spec/ is below
// both, so neither has to import the other.

import type { components } from './control-types.gen.js';

/** The vocabulary: every state name and the params it cannot do without. */
export const PROVIDER_STATES = {
  'an account exists': ['accountId'],
  'an account has an active credit': ['accountId', 'creditId'],
  'a credit is voided': ['accountId', 'creditId'],
  'an account has consumed credits': ['accountId', 'amount'],
  'no credit exists': ['creditId'],
  'a customer exists': ['customerId'],
  'an account has a wallet balance': ['accountId'],
  'an event was ingested': ['accountId', 'eventId'],
} as const satisfies Record<string, readonly string[]>;

export type ProviderStateName = keyof typeof PROVIDER_STATES;

export const PROVIDER_STATE_NAMES = Object.keys(PROVIDER_STATES) as ProviderStateName[];

type ControlSchemas = components['schemas'];
/** Params as validated by the ProviderStateParams schema of the control spec. */
export type ProviderStateParams = ControlSchemas['ProviderStateParams'];
/** Values handed back to the verifier for injection (Pact `fromProviderState`). */
export type ProviderStateValues = ControlSchemas['ProviderStateValues'];
/** The body of POST /_mock/provider-states. */
export type ProviderStateRequest = ControlSchemas['ProviderStateRequest'];

// Compile-time guard: the vocabulary above and the spec's `state` enum name the same states.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const VOCABULARY_MATCHES_SPEC: Same<ProviderStateName, ProviderStateRequest['state']> = true;

/** Defaults of a credit made by a state, documented in the control spec. */
export const STATE_CREDIT_DEFAULTS = { creditAmount: 1000, priority: 1, purpose: 'PROVIDER_STATE' } as const;

/** Defaults of the wallet and event states, documented in the control spec. */
export const STATE_WALLET_BALANCE = 1000;
export const STATE_EVENT_SCHEMA = 'provider_state';
