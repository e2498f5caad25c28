// State that outlives a container: TOGAI_MOCK_STATE_FILE on a named volume
// and on a bind-mounted host directory survives `docker stop` and a new
// container started on the same storage.

import { chownSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL, dockerOk, image, skipReason, startContainer, uniqueName } from './support.js';

const STATE = ['-e', 'TOGAI_MOCK_STATE_FILE=/app/data/state.json'];
const auth = { authorization: 'Bearer t', 'content-type': 'application/json' };

/** Grants a credit in one container, stops it, and reads the credit back from a new one on the same storage. */
async function survivesRestart(mount: string[], user: string[] = []): Promise<void> {
  const account = `ACC-${Math.random().toString(36).slice(2, 10)}`;
  const first = await startContainer([...user, ...mount, ...STATE]);
  const grant = await fetch(`${first.url}/credits`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      creditRequests: [{ accountId: account, purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 7 }],
    }),
  });
  expect(grant.status).toBe(200);
  const creditId = ((await grant.json()) as { credits: Array<{ id: string }> }).credits[0]!.id;
  expect(await first.stop()).toBe(0);
  await dockerOk(['rm', first.id]);

  const second = await startContainer([...user, ...mount, ...STATE]);
  const details = await fetch(`${second.url}/credits/${creditId}`, { headers: auth });
  expect(details.status).toBe(200);
  expect(await details.json()).toMatchObject({ id: creditId, accountId: account, creditAmount: 7 });
  expect(await second.stop()).toBe(0);
}

describe.skipIf(skipReason !== '')('the state file in a container', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const hostDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-state-'));
    dirs.push(dir);
    return dir;
  };

  it('on a named volume (it takes the image directory owner, uid 1000)', async () => {
    const volume = uniqueName('vol');
    await dockerOk(['volume', 'create', '--label', LABEL, volume]);
    await survivesRestart(['-v', `${volume}:/app/data`]);
    const owner = await dockerOk([
      'run',
      '--rm',
      '-v',
      `${volume}:/data`,
      '--entrypoint',
      'stat',
      image(),
      '-c',
      '%u:%g',
      '/data/state.json.log',
    ]);
    expect(owner.trim()).toBe('1000:1000');
  });

  it('on a bind mount, run as the directory owner with --user "$(id -u):$(id -g)"', async () => {
    const dir = hostDir();
    const uid = process.getuid!();
    const gid = process.getgid!();
    await survivesRestart(['-v', `${dir}:/app/data`], ['--user', `${uid}:${gid}`]);
    // The change is the first entry of the state file's log (the snapshot beside it comes with compaction).
    const first = JSON.parse(readFileSync(join(dir, 'state.json.log'), 'utf8').split('\n')[0]!) as {
      seq: number;
      commands: unknown[];
    };
    expect(first.seq).toBe(1);
    expect(JSON.stringify(first.commands)).toContain('"creditAmount":7');
    expect(statSync(join(dir, 'state.json.log')).uid).toBe(uid);
  });

  const root = process.getuid?.() === 0;
  if (!root) console.warn('SKIPPED: the bind mount given to uid 1000 with chown: needs root to chown');
  it.skipIf(!root)('on a bind mount given to uid 1000 (chown 1000:1000), as the image user', async () => {
    const dir = hostDir();
    chownSync(dir, 1000, 1000);
    await survivesRestart(['-v', `${dir}:/app/data`]);
    expect(statSync(join(dir, 'state.json.log')).uid).toBe(1000);
  });
});
