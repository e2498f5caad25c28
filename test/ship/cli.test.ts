// The `togai-mock` command as a user meets it: --help and --version, one-line
// usage errors with exit 2, flags over environment variables, the URL printed
// when ready, JSON logs with request ids, and a graceful SIGTERM.

import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ROOT, CLI, cleanEnv, runToEnd, startCli, urlOf } from './process.js';

// Each test starts the CLI through tsx, which takes seconds on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

const cli = (args: string[], env: Record<string, string> = {}) =>
  runToEnd(process.execPath, [...CLI, ...args], { env: cleanEnv(env) });
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const tmp = mkdtempSync(join(tmpdir(), 'togai-mock-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('help and version', () => {
  it('--help lists every option with its default and environment variable', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    const options: Array<[string, string, string]> = [
      ['--port <n>', 'default: 4010', 'TOGAI_MOCK_PORT'],
      ['--host <addr>', 'default: 127.0.0.1', 'TOGAI_MOCK_HOST'],
      ['--tokens', 'default: none', 'TOGAI_MOCK_TOKENS'],
      ['--seed <n>', 'default: none', 'TOGAI_MOCK_SEED'],
      ['--state-file <file>', 'default: none', 'TOGAI_MOCK_STATE_FILE'],
      ['--fixtures <file>', 'default: none', 'TOGAI_MOCK_FIXTURES'],
      ['--[no-]strict-accounts', 'default: off', 'TOGAI_MOCK_STRICT_ACCOUNTS'],
      ['--[no-]isolate-tenants', 'default: off', 'TOGAI_MOCK_ISOLATE_TENANTS'],
      ['--admin-token <token>', 'default: none', 'TOGAI_MOCK_ADMIN_TOKEN'],
      ['--[no-]validate-responses', 'default: off', 'TOGAI_MOCK_VALIDATE_RESPONSES'],
      ['--rate-limit <n>', 'default:', 'TOGAI_MOCK_RATE_LIMIT'],
      ['--log-level <level>', 'default: info', 'TOGAI_MOCK_LOG_LEVEL'],
      ['--fallback-spec <file>', 'default: none', 'TOGAI_MOCK_FALLBACK_SPEC'],
    ];
    const lines = stdout.split('\n');
    for (const [flag, def, env] of options) {
      const at = lines.findIndex((l) => l.trim().startsWith(flag));
      expect(at, `${flag} in --help`).toBeGreaterThan(0);
      // The description line, then "default: ...; env: ..." under it.
      expect(lines[at + 1]).toContain(def);
      expect(lines[at + 1]).toContain(env);
    }
    expect(stdout).toMatch(/togai-mock verify/);
    expect(stdout).toMatch(/togai-mock check-pacts/);
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.version);
  });
});

describe('usage errors exit 2 with one line', () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['an unknown flag', ['--prot', '4010'], {}, /unknown option --prot/],
    ['a bad port', ['--port', '70000'], {}, /--port must be a port number/],
    ['a missing value', ['--port'], {}, /--port/],
    ['a bad log level', ['--log-level', 'loud'], {}, /--log-level must be one of/],
    ['a value given to a switch', ['--strict-accounts=maybe'], {}, /--strict-accounts/],
    ['an unexpected argument', ['serve', 'now'], {}, /unexpected argument "now"/],
    [
      'a bad environment value',
      [],
      { TOGAI_MOCK_STRICT_ACCOUNTS: 'perhaps' },
      /TOGAI_MOCK_STRICT_ACCOUNTS must be true or false/,
    ],
    [
      'a bad Redis URL',
      ['--redis-url', 'localhost:6379'],
      {},
      /--redis-url must look like redis:\/\/host:port\[\/db\]/,
    ],
    [
      'a bad Redis URL in the environment',
      [],
      { TOGAI_MOCK_REDIS_URL: 'redis://h:6379/cache' },
      /TOGAI_MOCK_REDIS_URL must look like/,
    ],
    [
      'a state file and Redis together',
      ['--redis-url', 'redis://127.0.0.1:1'],
      { TOGAI_MOCK_STATE_FILE: 'x.json' },
      /cannot be used together: pick one place/,
    ],
    [
      'a missing fallback spec',
      ['--port', '0', '--fallback-spec', 'no/such/file.yaml'],
      {},
      /--fallback-spec: no such file/,
    ],
  ];
  it.each(cases)('%s', async (_name, args, env, message) => {
    const { code, stderr, stdout } = await cli(args, env);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^togai-mock: /);
    expect(lines[0]).toMatch(message);
    expect(stdout).not.toMatch(/listening/);
  });
});

describe('serve', () => {
  it('prints its URL when ready; flags win over the environment', async () => {
    const child = startCli(['serve', '--port', '0', '--tokens', 'from-flag', '--log-level', 'warn'], {
      TOGAI_MOCK_TOKENS: 'from-env',
      TOGAI_MOCK_PORT: '1',
    });
    const url = await urlOf(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const call = (token: string) => fetch(`${url}/credits`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call('from-flag')).status).toBe(200);
    expect((await call('from-env')).status).toBe(401);
    process.kill(child.proc.pid!, 'SIGTERM');
    expect(await child.exited).toBe(0);
    // At warn, requests are not logged: nothing on stdout; the URL line is on stderr.
    expect(child.stdout.filter((l) => l.trim() !== '')).toEqual([]);
    expect(child.stderr.filter((l) => l.trim() !== '')).toEqual([`togai-mock listening on ${url}`]);
  });

  it('the environment configures the server when no flag is given', async () => {
    const child = startCli([], { TOGAI_MOCK_PORT: '0', TOGAI_MOCK_ADMIN_TOKEN: 'adm', TOGAI_MOCK_LOG_LEVEL: 'silent' });
    const url = await urlOf(child);
    expect((await fetch(`${url}/_mock/reset`, { method: 'POST' })).status).toBe(401);
    expect(
      (await fetch(`${url}/_mock/reset`, { method: 'POST', headers: { authorization: 'Bearer adm' } })).status,
    ).toBe(204);
    process.kill(child.proc.pid!, 'SIGINT');
    expect(await child.exited).toBe(0);
  });

  it('logs one JSON line per request with its request id, accepting and echoing X-Request-Id', async () => {
    const child = startCli(['--port', '0', '--log-level', 'info']);
    const url = await urlOf(child);
    const res = await fetch(`${url}/_mock/health`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc.123');
    const minted = await fetch(`${url}/credits`, { headers: { authorization: 'Bearer t' } });
    const mintedId = minted.headers.get('x-request-id');
    expect(mintedId).toMatch(/^[0-9a-f-]{36}$/);
    const given = JSON.parse(await child.line((l) => l.includes('trace-abc.123'))) as Record<string, unknown>;
    expect(given).toMatchObject({
      reqId: 'trace-abc.123',
      method: 'GET',
      path: '/_mock/health',
      status: 200,
      msg: 'request',
    });
    expect(typeof given.level).toBe('number');
    const other = JSON.parse(await child.line((l) => l.includes(mintedId!))) as Record<string, unknown>;
    expect(other).toMatchObject({ reqId: mintedId, operationId: 'listCredits', status: 200 });
    process.kill(child.proc.pid!, 'SIGTERM');
    expect(await child.exited).toBe(0);
    // stdout is the JSON log and nothing else (a log collector parses every line).
    const lines = child.stdout.filter((l) => l.trim() !== '');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const shutdown = lines.map((l) => JSON.parse(l) as { msg: string });
    expect(shutdown.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM lets an in-flight request finish, then exits 0', async () => {
    const child = startCli(['--port', '0', '--log-level', 'debug']);
    const url = new URL(await urlOf(child));
    const body = JSON.stringify({
      creditRequests: [
        { accountId: 'ACC-SHUT', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 5 },
      ],
    });
    const half = Math.floor(body.length / 2);
    // Headers and half the body now; the rest only after the signal.
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/credits',
      headers: {
        authorization: 'Bearer t',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-request-id': 'in-flight-1',
      },
    });
    const response = new Promise<{ status: number; connection: string | undefined; text: string }>(
      (resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, text }));
        });
        req.on('error', reject);
      },
    );
    req.write(body.slice(0, half));
    await child.line((l) => l.includes('"request received"') && l.includes('in-flight-1'));
    process.kill(child.proc.pid!, 'SIGTERM');
    await child.line((l) => l.includes('"shutting down"'));
    req.end(body.slice(half));
    const res = await response;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).credits[0].accountId).toBe('ACC-SHUT');
    expect(await child.exited).toBe(0);
    // No new connections once it has gone.
    await expect(fetch(`${url.origin}/_mock/health`)).rejects.toThrow();
  });

  it('SIGTERM leaves the state file complete (the change in its log, the lock let go), and a new process loads it', async () => {
    const stateFile = join(tmp, 'state.json');
    const first = startCli(['--port', '0', '--log-level', 'silent', '--state-file', stateFile]);
    const url = await urlOf(first);
    const grant = await fetch(`${url}/credits`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify({
        creditRequests: [
          { accountId: 'ACC-STATE', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 7 },
        ],
      }),
    });
    expect(grant.status).toBe(200);
    const id = ((await grant.json()) as { credits: Array<{ id: string }> }).credits[0]!.id;
    process.kill(first.proc.pid!, 'SIGTERM');
    expect(await first.exited).toBe(0);
    // The grant is a logged command (its id is made again, the same, when the log is applied).
    const entries = readFileSync(`${stateFile}.log`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; commands: unknown[] });
    expect(JSON.stringify(entries)).toContain('ACC-STATE');
    expect(existsSync(`${stateFile}.lock`), 'the lock file is removed on a clean stop').toBe(false);

    const second = startCli(['--port', '0', '--log-level', 'silent', '--state-file', stateFile]);
    const url2 = await urlOf(second);
    const again = await fetch(`${url2}/credits/${id}`, { headers: { authorization: 'Bearer t' } });
    expect(again.status).toBe(200);
    process.kill(second.proc.pid!, 'SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
