// A private certificate authority and a server certificate signed by it, made
// with the openssl command line in a directory the test owns: what a hosted
// Redis with TLS looks like to a client that must be told to trust its CA
// (NODE_EXTRA_CA_CERTS). The server certificate names 127.0.0.1 and localhost.
//
// When openssl is not installed, `opensslAvailable` is false and the TLS
// tests skip with a loud warning.

import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function findOpenssl(): string | undefined {
  const candidates = ['/usr/bin/openssl'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir !== '') candidates.push(join(dir, 'openssl'));
  return candidates.find((c) => existsSync(c));
}

export const opensslPath = findOpenssl();
export const opensslAvailable = opensslPath !== undefined;

/** Says loudly, once per test file, why its TLS tests do not run. */
export function warnIfOpensslMissing(what: string): void {
  if (!opensslAvailable) {
    console.warn(`SKIPPED: ${what}: openssl not found; install Debian's openssl (apt-get install openssl)`);
  }
}

export interface TestCertificates {
  /** The CA's certificate (PEM): what a client is told to trust. */
  caFile: string;
  /** The server's certificate and key (PEM), signed by the CA. */
  certFile: string;
  keyFile: string;
}

/** A fresh CA and a server certificate for 127.0.0.1 / localhost in `dir` (valid for a day). */
export async function makeTestCertificates(dir: string, name = 'test'): Promise<TestCertificates> {
  if (opensslPath === undefined) throw new Error('openssl is not installed');
  const file = (suffix: string): string => join(dir, `${name}-${suffix}`);
  const openssl = (...args: string[]) => run(opensslPath, args, { cwd: dir });
  const days = ['-days', '1'];
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  const caName = `/CN=togai-mock ${name} CA`;
  await openssl('req', '-x509', ...key, '-keyout', file('ca.key'), '-out', file('ca.crt'), ...days, '-subj', caName);
  await openssl('req', ...key, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    ...days,
    '-extfile',
    file('server.ext'),
  );
  return { caFile: file('ca.crt'), certFile: file('server.crt'), keyFile: file('server.key') };
}
