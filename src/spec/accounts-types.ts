// Friendly names for the types generated from spec/togai-accounts.yaml
// (src/spec/accounts-types.gen.ts, made by `npm run gen:types`; never edit it by hand).

import type { components, operations } from './accounts-types.gen.js';

type S = components['schemas'];

// Customers
export type Address = S['Address'];
export type CreateEntitySetting = S['CreateEntitySetting'];
export type CreateCustomerRequest = S['CreateCustomerRequest'];
export type UpdateCustomerRequest = S['UpdateCustomerRequest'];
export type CreateCustomerResponse = S['CreateCustomerResponse'];
export type Customer = S['Customer'];
export type CustomerStatus = Customer['status'];
export type CustomerPaginatedResponse = S['CustomerPaginatedResponse'];
export type CreateCustomerContactRequest = S['CreateCustomerContactRequest'];
export type CreateCustomerContactResponse = S['CreateCustomerContactResponse'];
export type BaseSuccessResponse = S['BaseSuccessResponse'];
export type PaginationOptions = S['PaginationOptions'];

// Accounts
export type CreateAccountRequest = S['CreateAccountRequest'];
export type CreateAccountRequestWithoutCustomerId = S['CreateAccountRequestWithoutCustomerId'];
export type UpdateAccountRequest = S['UpdateAccountRequest'];
export type Account = S['Account'];
export type AccountStatus = Account['status'];
export type AccountPaginatedResponse = S['AccountPaginatedResponse'];
export type AccountsBillingInformation = S['AccountsBillingInformation'];
export type InvoiceGroupDetails = S['InvoiceGroupDetails'];
export type AccountAliases = S['AccountAliases'];
export type AccountAlias = S['AccountAlias'];
export type AccountAliasesPaginatedResponse = S['AccountAliasesPaginatedResponse'];
export type CreateAccountAliasRequest = S['CreateAccountAliasRequest'];
export type AddAccountAliasesRequest = S['AddAccountAliasesRequest'];
export type RemoveAccountAliasRequest = S['RemoveAccountAliasRequest'];
export type RemoveAccountAliasesRequest = S['RemoveAccountAliasesRequest'];

// Wallet
export type WalletStatus = S['WalletStatus'];
export type Wallet = S['WalletBalanceResponse'];
export type WalletBalanceResponse = S['WalletBalanceResponse'];
export type WalletEntry = S['WalletEntry'];
export type WalletEntriesPaginatedResponse = S['WalletEntriesPaginatedResponse'];
export type TopupWalletRequest = S['TopupWalletRequest'];
export type UpdateWalletRequest = S['UpdateWalletRequest'];

// Events
export type Event = S['Event'];
export type Attribute = S['Attribute'];
export type IngestEventRequest = S['IngestEventRequest'];
export type IngestBatchEventRequest = S['IngestBatchEventRequest'];
export type IngestEventResponse = S['IngestEventResponse'];
export type IngestionStatus = S['IngestionStatus'];
export type IngestionStatusValue = IngestionStatus['status'];
export type EventSource = S['EventSource'];
export type EventWithStatus = S['EventWithStatus'];
export type GetEventsResponse = S['GetEventsResponse'];
export type EventPipelineInfo = S['EventPipelineInfo'];
export type EventWithStatusAndEventPipelineInfo = S['EventWithStatusAndEventPipelineInfo'];
export type GetEventResponse = S['GetEventResponse'];
export type EventCorrectionRequest = S['EventCorrectionRequest'];
export type EventCorrectionInfo = S['EventCorrectionInfo'];
export type EventCorrectionStatus = EventCorrectionInfo['status'];
export type EventsCorrectionResponse = S['EventsCorrectionResponse'];
export type EventCorrectionAction = operations['eventCorrection']['parameters']['query']['action'];

export type ErrorResponse = S['ErrorResponse'];
