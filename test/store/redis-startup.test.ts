// Which connection failures stop a start at once, and what the line says.
// The real servers are in test/reliability/managed-redis.test.ts; here the
// cases no test server produces: a certificate for another host name, an old
// Redis' password reply, an error that may pass (the start keeps trying).

import { describe, expect, it } from 'vitest';
import { redactRedisUrl, startupRefusal } from '../../src/store/backends/redis/connection.js';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });
const refusedCommand = (message: string, name: string): Error =>
  Object.assign(new Error(message), { command: { name } });

describe('startupRefusal', () => {
  const where = redactRedisUrl('rediss://ci%20user:p%40ss@redis.test.internal:6380/4');

  it('a certificate that names another host: connect with a name it holds', () => {
    const reason = "Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames";
    const message = startupRefusal(withCode(reason, 'ERR_TLS_CERT_ALTNAME_INVALID'), where)!;
    expect(where).toBe('rediss://ci%20user:***@redis.test.internal:6380/4');
    expect(message.startsWith(`the TLS certificate of Redis at ${where} is not trusted (Hostname/IP`)).toBe(true);
    expect(message).toMatch(/connect with a host name or address the certificate names$/);
  });

  it('a password refused by a Redis without ACLs names the user as "default" when the URL has none', () => {
    const message = startupRefusal(new Error('ERR invalid password'), redactRedisUrl('redis://:secret@h:6379'))!;
    expect(message).toMatch(/refused the user name or password \(ERR invalid password\).*\(user "default"\)$/);
    expect(message).not.toContain('secret');
  });

  it('names the ACL user as written, decoded', () => {
    expect(startupRefusal(new Error('WRONGPASS invalid username-password pair'), where)).toMatch(/\(user "ci user"\)$/);
  });

  it('a refused SELECT names the database, whatever the reply says', () => {
    const message = startupRefusal(refusedCommand('ERR SELECT is not allowed in cluster mode', 'select'), where)!;
    expect(message).toMatch(/has no database 4 \(ERR SELECT is not allowed in cluster mode\)/);
  });

  it('what may pass is not a refusal: the start keeps trying until its timeout', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('connect ETIMEDOUT', 'ETIMEDOUT'),
      new Error('LOADING Redis is loading the dataset in memory'),
      refusedCommand('ERR unknown subcommand', 'client'),
    ]) {
      expect(startupRefusal(error, where), error.message).toBeUndefined();
    }
  });
});
