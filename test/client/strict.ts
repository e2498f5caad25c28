// Strict clients for the tests: the generated SDKs (test/client/generated/)
// bound to one base URL, a bearer credential, and throwOnError, so that both a
// Togai-style error answer and a 2xx answer the spec does not allow reject the
// call. Each rejection is a ClientError that says which it was: `status` and
// `body` for an error answer; `invalid` (the zod issues) for an answer that
// broke the spec, which is how Togai's generated clients fail on such a response.

import { createClient as createAccountsClient } from './generated/accounts/client/index.js';
import { createClient as createCreditsClient } from './generated/credits/client/index.js';

export type StrictClient = ReturnType<typeof createCreditsClient>;

export class ClientError extends Error {
  constructor(
    readonly operation: string,
    /** The HTTP status, when an answer came. */
    readonly status: number | undefined,
    /** The error answer's JSON body (a Togai-style `{"message"}`). */
    readonly body: unknown,
    /** Set when a 2xx answer broke the spec: the validator's complaint. */
    readonly invalid?: string,
  ) {
    super(
      invalid !== undefined
        ? `${operation} answered ${status} with a body the strict client rejects: ${invalid}`
        : `${operation} answered ${status}: ${JSON.stringify(body)}`,
    );
    this.name = 'ClientError';
  }
}

type ClientFactory = (config: { baseUrl: string; throwOnError: true; auth: () => string }) => StrictClient;

/** One strict client of a generated SDK, talking to `baseUrl` with `token`. */
export function strictClient(factory: ClientFactory, baseUrl: string, token = 'test-token'): StrictClient {
  const client = factory({ baseUrl, throwOnError: true, auth: () => token });
  client.interceptors.error.use((error, response, request) => {
    const operation = request === undefined ? 'the request' : `${request.method} ${new URL(request.url).pathname}`;
    if (response?.ok === true) {
      // The validator threw on a success answer: zod's issues name the paths and rules broken.
      const issues = (error as { issues?: unknown }).issues;
      const invalid = issues === undefined ? String(error) : JSON.stringify(issues);
      return new ClientError(operation, response.status, undefined, invalid);
    }
    if (response === undefined) return error;
    return new ClientError(operation, response.status, error);
  });
  return client;
}

export const creditsClient = (baseUrl: string, token?: string): StrictClient =>
  strictClient(createCreditsClient as ClientFactory, baseUrl, token);

export const accountsClient = (baseUrl: string, token?: string): StrictClient =>
  strictClient(createAccountsClient as ClientFactory, baseUrl, token);

/** The ClientError a promise rejects with (fails the test when it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error('expected the call to be rejected, it succeeded');
}
