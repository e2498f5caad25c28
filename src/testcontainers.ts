// `togai-mock/testcontainers`: togai-mock as a Testcontainers container, for
// test suites that start their dependencies as containers. The same control
// helpers as startTogaiMock (reset, seed, clock, requests), over HTTP to the
// container. `testcontainers` is an optional peer dependency: only this module
// imports it, so users of the main entry never install it.

import { isIP } from 'node:net';
import {
  GenericContainer,
  Wait,
  AbstractStartedContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
} from 'testcontainers';
import {
  controlCall,
  controlClient,
  type MockClock,
  type MockControl,
  type RecordedRequest,
  type RequestFilter,
  type SeedOptions,
  type SeedResult,
  type MockWallets,
} from './control-client.js';

export { TogaiMockError } from './control-client.js';
export type {
  ClockState,
  MockClock,
  MockControl,
  RecordedRequest,
  RequestFilter,
  SeedOptions,
  SeedResult,
  MockWallets,
  WalletDebitResult,
  WalletHoldOutcome,
  WalletHoldSelector,
} from './control-client.js';

/** The image `docker build -t togai-mock .` makes (docs/docker.md). */
export const DEFAULT_IMAGE = 'togai-mock';
/** The port the image listens on. */
export const TOGAI_MOCK_PORT = 4010;
/** Where withStateFile keeps the state inside the container (the image's writable directory). */
export const STATE_FILE_IN_CONTAINER = '/app/data/state.json';

export class TogaiMockContainer extends GenericContainer {
  private adminToken: string | undefined;

  /** `image`: a togai-mock image (default `togai-mock`; TOGAI_MOCK_IMAGE also sets it). */
  constructor(image: string = process.env.TOGAI_MOCK_IMAGE ?? DEFAULT_IMAGE) {
    super(image);
    this.withExposedPorts(TOGAI_MOCK_PORT)
      // The image's HEALTHCHECK asks GET /_mock/health every 2 s.
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(60_000);
  }

  /** Credentials the mock accepts (TOGAI_MOCK_TOKENS); without them any non-empty one works. */
  withTokens(...tokens: string[]): this {
    return this.withEnvironment({ TOGAI_MOCK_TOKENS: tokens.join(',') });
  }

  /** Guards /_mock with this token (TOGAI_MOCK_ADMIN_TOKEN); the helpers send it. */
  withAdminToken(token: string): this {
    this.adminToken = token;
    return this.withEnvironment({ TOGAI_MOCK_ADMIN_TOKEN: token });
  }

  /**
   * Reproducible ids and data (TOGAI_MOCK_SEED); seeds `accounts` accounts (default 5) with
   * `creditsPerAccount` credits each (default 3) at start.
   */
  withSeed(seed: number, options: { accounts?: number; creditsPerAccount?: number } = {}): this {
    return this.withEnvironment({
      TOGAI_MOCK_SEED: String(seed),
      ...(options.accounts === undefined ? {} : { TOGAI_MOCK_SEED_ACCOUNTS: String(options.accounts) }),
      ...(options.creditsPerAccount === undefined
        ? {}
        : { TOGAI_MOCK_SEED_CREDITS: String(options.creditsPerAccount) }),
    });
  }

  /**
   * Keeps the state in a file inside the container (TOGAI_MOCK_STATE_FILE), so it survives
   * `restart()`. With `source`, a snapshot file on this machine (GET /_mock/state, or a state
   * file) is copied in first and the mock starts from it.
   */
  withStateFile(source?: string): this {
    if (source !== undefined) this.withCopyFilesToContainer([{ source, target: STATE_FILE_IN_CONTAINER, mode: 0o644 }]);
    return this.withEnvironment({ TOGAI_MOCK_STATE_FILE: STATE_FILE_IN_CONTAINER });
  }

  /**
   * Keeps the state in Redis (TOGAI_MOCK_REDIS_URL): containers given the same URL (and
   * prefix, TOGAI_MOCK_REDIS_PREFIX) act as one mock. The URL is as the container sees it,
   * e.g. a network alias of a Redis container on the same network (docs/replicas.md).
   */
  withRedis(url: string): this {
    return this.withEnvironment({ TOGAI_MOCK_REDIS_URL: url });
  }

  /**
   * Web pages (origins such as `http://localhost:3000`) that may call the mock from a browser
   * (TOGAI_MOCK_ALLOWED_ORIGINS); requests from other pages get 403. `*` allows every page.
   */
  withAllowedOrigins(...origins: string[]): this {
    return this.withEnvironment({ TOGAI_MOCK_ALLOWED_ORIGINS: origins.join(',') });
  }

  /**
   * Host names with a dot the mock answers to (TOGAI_MOCK_ALLOWED_HOSTS); others get 403. Loopback
   * names, IP addresses and names without a dot (network aliases) need no listing, nor does the
   * name of a Docker engine on another machine (added at start).
   */
  withAllowedHosts(...hosts: string[]): this {
    return this.withEnvironment({ TOGAI_MOCK_ALLOWED_HOSTS: hosts.join(',') });
  }

  /** Publishes the port on 127.0.0.1 only when the engine runs on this machine. */
  protected override async beforeContainerCreated(): Promise<void> {
    const client = await getContainerRuntimeClient();
    const host = client.info.containerRuntime.host;
    if (!isLoopback(host)) {
      // The helpers reach the mock by the engine's name, which the mock answers only when listed if it has a dot.
      if (isIP(host) === 0 && host.includes('.')) this.allowHost(host);
      return;
    }
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {})) {
      for (const binding of bindings as Array<{ HostIp?: string }>) binding.HostIp ??= '127.0.0.1';
    }
  }

  private allowHost(host: string): void {
    const listed = this.environment.TOGAI_MOCK_ALLOWED_HOSTS;
    const names = listed === undefined || listed === '' ? [] : listed.split(',').map((n) => n.trim());
    if (names.includes('*') || names.includes(host)) return;
    this.withEnvironment({ TOGAI_MOCK_ALLOWED_HOSTS: [...names, host].join(',') });
  }

  override async start(): Promise<StartedTogaiMockContainer> {
    return new StartedTogaiMockContainer(await super.start(), this.adminToken);
  }
}

export class StartedTogaiMockContainer extends AbstractStartedContainer implements MockControl {
  constructor(
    started: StartedTestContainer,
    private readonly adminToken: string | undefined,
  ) {
    super(started);
  }

  /** Base URL of the Togai API and /_mock, e.g. http://127.0.0.1:32771 */
  getBaseUrl(): string {
    const host = this.getHost();
    // The port is published on 127.0.0.1; "localhost" may resolve to ::1 first.
    const shown = isLoopback(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${this.getMappedPort(TOGAI_MOCK_PORT)}`;
  }

  private control(tenant?: string): MockControl {
    return controlClient(this.getBaseUrl(), this.adminToken, tenant);
  }

  /** Forgets all accounts, credits, holds and clocks (POST /_mock/reset). */
  async reset(): Promise<void> {
    await controlCall(this.getBaseUrl(), this.adminToken, undefined)('POST', '/_mock/reset');
  }

  seed(options?: SeedOptions): Promise<SeedResult> {
    return this.control().seed(options);
  }

  get clock(): MockClock {
    return this.control().clock;
  }

  /** Wallet debits and holds, where Togai's invoices would draw on a wallet. */
  get wallets(): MockWallets {
    return this.control().wallets;
  }

  requests(filter?: RequestFilter): Promise<RecordedRequest[]> {
    return this.control().requests(filter);
  }

  /** The same helpers for the tenant of a Togai credential (with TOGAI_MOCK_ISOLATE_TENANTS). */
  forTenant(credential: string): MockControl {
    return this.control(credential);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}
