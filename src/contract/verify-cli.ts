// `togai-mock verify`: argument parsing for src/contract/verify.ts. Exit code
// 0 when every interaction passed, 1 when any failed, 2 for a usage error.

import { parseArgs } from 'node:util';
import { quietWarnings } from '../quiet-warnings.js';
import { firstLine, parseError } from './cli-util.js';
import { PactFileError } from './pacts.js';
import { VerifyUsageError, verify, type ConsumerVersionSelector, type VerifyOptions } from './verify.js';

const HELP = `Usage: togai-mock verify [--pacts <file|dir>]... [options]

Verifies Pact contracts against togai-mock (started in-process by default),
another togai-mock, or a real Togai such as https://sandbox-api.togai.com.

  --pacts <file|dir|url>        pact file, directory (every *.json under it, subdirectories
                                too), or pact URL (repeatable; positional arguments work too)
  --broker-url <url>            fetch pacts from a Pact Broker instead
                                (token from PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME/PASSWORD)
  --provider <name>             provider name in the broker
  --consumer-version-selector <json>
                                e.g. '{"mainBranch":true}' (repeatable; broker only)
  --provider-base-url <url>     verify against this base URL instead of an in-process mock
  --token <credential>          replaces the credential of interactions that carry one
                                (default: TOGAI_API_TOKEN when verifying a real API);
                                never added to interactions without credentials
  --admin-token <token>         admin token of a togai-mock provider (default: TOGAI_MOCK_ADMIN_TOKEN)
  --states <auto|mock|api>      how provider states are set up (default auto: through
                                /_mock/provider-states if the URL is a togai-mock, else
                                through the Credits API, reporting unsupported states)
  --log-level <level>           Pact verifier log level: error (default), warn, info, debug, trace
  -h, --help                    this text

Exit code: 0 all interactions passed, 1 something failed, 2 usage error.
`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export async function main(argv: string[]): Promise<number> {
  // Pact's verifier proxy would print a Node deprecation warning the user can do nothing about.
  quietWarnings();
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        pacts: { type: 'string', multiple: true },
        'broker-url': { type: 'string' },
        provider: { type: 'string' },
        'consumer-version-selector': { type: 'string', multiple: true },
        'provider-base-url': { type: 'string' },
        token: { type: 'string' },
        'admin-token': { type: 'string' },
        states: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`togai-mock verify: ${parseError(err)} (see --help)\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const env = process.env;
  const usage = (message: string): number => {
    process.stderr.write(`togai-mock verify: ${message}\n`);
    return 2;
  };

  const pacts = [...(v.pacts ?? []), ...parsed.positionals];
  if (pacts.length === 0 && !v['broker-url'])
    return usage('give pact files with --pacts <file|dir> or a broker with --broker-url');
  if (pacts.length > 0 && v['broker-url']) return usage('give either --pacts or --broker-url, not both');
  if (v.states !== undefined && !['auto', 'mock', 'api'].includes(v.states))
    return usage('--states must be auto, mock or api');
  const logLevel = v['log-level'];
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    return usage(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  let selectors: ConsumerVersionSelector[] | undefined;
  try {
    selectors = v['consumer-version-selector']?.map((s) => {
      const o: unknown = JSON.parse(s);
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object');
      return o as ConsumerVersionSelector;
    });
  } catch {
    return usage('--consumer-version-selector must be a JSON object, e.g. \'{"mainBranch":true}\'');
  }
  const baseUrl = v['provider-base-url'];
  if (baseUrl !== undefined && !/^https?:\/\/[^/]/.test(baseUrl))
    return usage('--provider-base-url must be an http(s) URL');

  // TOGAI_API_TOKEN is for real APIs only: against a mock, interactions keep their own credentials.
  const token =
    v.token ?? (baseUrl !== undefined && v.states !== 'mock' ? emptyToUndefined(env.TOGAI_API_TOKEN) : undefined);
  const options: VerifyOptions = {
    pacts,
    ...(v['broker-url'] ? { brokerUrl: v['broker-url'] } : {}),
    ...(emptyToUndefined(env.PACT_BROKER_TOKEN) ? { brokerToken: env.PACT_BROKER_TOKEN } : {}),
    ...(emptyToUndefined(env.PACT_BROKER_USERNAME) ? { brokerUsername: env.PACT_BROKER_USERNAME } : {}),
    ...(emptyToUndefined(env.PACT_BROKER_PASSWORD) ? { brokerPassword: env.PACT_BROKER_PASSWORD } : {}),
    ...(selectors ? { consumerVersionSelectors: selectors } : {}),
    ...(v.provider ? { provider: v.provider } : {}),
    ...(baseUrl ? { providerBaseUrl: baseUrl } : {}),
    ...(token ? { token } : {}),
    ...((v['admin-token'] ?? emptyToUndefined(env.TOGAI_MOCK_ADMIN_TOKEN))
      ? { adminToken: v['admin-token'] ?? env.TOGAI_MOCK_ADMIN_TOKEN }
      : {}),
    ...(v.states ? { states: v.states as 'auto' | 'mock' | 'api' } : {}),
    ...(logLevel ? { logLevel: logLevel as (typeof LOG_LEVELS)[number] } : {}),
  };
  try {
    const result = await verify(options);
    return result.passed ? 0 : 1;
  } catch (err) {
    if (err instanceof VerifyUsageError || err instanceof PactFileError) return usage(err.message);
    process.stderr.write(`togai-mock verify: ${firstLine(err)}\n`);
    return 1;
  }
}

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
