// A replica reduced to its log: appends entries in a loop to a Redis log
// (catching up and retrying when another appender got there first) and
// prints "acked <seq> <name> <i>" once each append has resolved, i.e. once it
// is durable. redis-crash.test.ts kills it with SIGKILL and checks that every
// acknowledged entry is in Redis.
//
// Usage: node --import tsx test/store/redis-appender.ts <url> <prefix> <name>

import { RedisLog } from '../../src/store/backends/redis/log.js';
import { LogConflictError } from '../../src/store/backends/types.js';

const [url, prefix, name] = process.argv.slice(2) as [string, string, string];
const say = (m: string): boolean => process.stderr.write(`${m}\n`);
const quiet = { warn: say, error: say, info: () => undefined };
const log = new RedisLog({ url, prefix, logger: quiet });
const opened = await log.open();
let seq = opened.entries.at(-1)?.seq ?? opened.snapshotSeq;
console.log('ready');
for (let i = 0; ;) {
  try {
    seq = await log.append(seq, [{ by: name, i }]);
    console.log(`acked ${seq} ${name} ${i}`);
    i++;
  } catch (error) {
    if (!(error instanceof LogConflictError)) throw error;
    const newer = await log.readAfter(seq);
    seq = newer.at(-1)?.seq ?? seq;
  }
}
