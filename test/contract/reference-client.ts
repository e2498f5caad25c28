// The reference consumer: the kind of small Togai client a consumer team
// writes (credits, and the customers, accounts, wallet and events around
// them). Its pact (contracts/pacts/) is what this repo verifies against
// togai-mock and, with credentials, against Togai's sandbox.

export type Credential = { bearer: string } | { apiKey: string } | null;

export interface ClientResponse<T = any> {
  status: number;
  body: T;
}

export class TogaiCreditsClient {
  constructor(
    private readonly baseUrl: string,
    private readonly credential: Credential,
  ) {}

  private async send<T>(method: string, path: string, body?: unknown): Promise<ClientResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credential && 'bearer' in this.credential) headers.authorization = `Bearer ${this.credential.bearer}`;
    if (this.credential && 'apiKey' in this.credential) headers['x-api-key'] = this.credential.apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  grantCredits(creditRequests: Array<Record<string, unknown>>): Promise<ClientResponse> {
    return this.send('POST', '/credits', { creditRequests });
  }

  listCredits(query: Record<string, string>): Promise<ClientResponse> {
    return this.send('GET', `/credits?${new URLSearchParams(query).toString()}`);
  }

  creditDetails(creditId: string): Promise<ClientResponse> {
    return this.send('GET', `/credits/${encodeURIComponent(creditId)}`);
  }

  voidCredit(creditId: string): Promise<ClientResponse> {
    return this.send('POST', `/credits/${encodeURIComponent(creditId)}/void`);
  }

  creditBalance(accountId: string): Promise<ClientResponse> {
    return this.send('GET', `/accounts/${encodeURIComponent(accountId)}/credit_balance`);
  }

  createCustomer(body: Record<string, unknown>): Promise<ClientResponse> {
    return this.send('POST', '/customers', body);
  }

  getCustomer(customerId: string): Promise<ClientResponse> {
    return this.send('GET', `/customers/${encodeURIComponent(customerId)}`);
  }

  createAccount(body: Record<string, unknown>): Promise<ClientResponse> {
    return this.send('POST', '/accounts', body);
  }

  getAccount(accountId: string): Promise<ClientResponse> {
    return this.send('GET', `/accounts/${encodeURIComponent(accountId)}`);
  }

  deleteAccount(accountId: string): Promise<ClientResponse> {
    return this.send('DELETE', `/accounts/${encodeURIComponent(accountId)}`);
  }

  addAliases(accountId: string, aliases: string[]): Promise<ClientResponse> {
    return this.send('POST', `/accounts/${encodeURIComponent(accountId)}/add_aliases`, { aliases });
  }

  topUpWallet(accountId: string, topupAmount: number): Promise<ClientResponse> {
    return this.send('POST', `/accounts/${encodeURIComponent(accountId)}/wallet_topup`, { topupAmount });
  }

  walletBalance(accountId: string): Promise<ClientResponse> {
    return this.send('GET', `/accounts/${encodeURIComponent(accountId)}/wallet`);
  }

  walletEntries(accountId: string): Promise<ClientResponse> {
    return this.send('GET', `/accounts/${encodeURIComponent(accountId)}/wallet/entries`);
  }

  ingest(event: Record<string, unknown>): Promise<ClientResponse> {
    return this.send('POST', '/ingest', { event });
  }

  ingestBatch(events: Array<Record<string, unknown>>): Promise<ClientResponse> {
    return this.send('POST', '/ingestBatch', { events });
  }

  events(query: Record<string, string>): Promise<ClientResponse> {
    return this.send('GET', `/events?${new URLSearchParams(query).toString()}`);
  }

  event(eventId: string): Promise<ClientResponse> {
    return this.send('GET', `/events/${encodeURIComponent(eventId)}`);
  }

  correctEvent(action: 'UNDO' | 'REDO' | 'REDO_EVENT', event: Record<string, unknown>): Promise<ClientResponse> {
    return this.send('POST', `/events/correction?action=${action}`, { event });
  }
}
