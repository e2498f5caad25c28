// The engine: group commit (everything queued goes into one append),
// apply-after-append (a failed append rejects the whole batch and changes
// nothing), reads that catch up on a shared log (coalesced, never served by
// a catch-up that started before them), an append that conflicts retried
// after catching up, and start-up from what a log holds.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MockError } from '../../src/domain/errors.js';
import { FileLog } from '../../src/store/backends/file/log.js';
import { engineOn, grantOf, RecordingLog, SharedLog, stateText } from './engine-support.js';

describe('Engine: writing', () => {
  it('puts every change made in one tick into one append, and answers each caller with its own result', async () => {
    const log = new RecordingLog();
    const engine = engineOn(log);
    await engine.start();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => engine.execute(grantOf('shared', `ACC-${i}`))),
    );
    expect(log.appends).toHaveLength(1);
    expect(log.appends[0]).toHaveLength(20);
    expect(answers.map((a) => a[0]!.accountId)).toEqual(Array.from({ length: 20 }, (_, i) => `ACC-${i}`));
    expect(engine.appliedSeq).toBe(1);
    expect(engine.state.tenants.tenant('shared').ledger.creditCount).toBe(20);
  });

  it('on the state file, changes that arrive together are one line of the log (one fsync), and a restart applies them alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-engine-'));
    try {
      const path = join(dir, 'state.json');
      const engine = engineOn(new FileLog(path));
      await engine.start();
      await Promise.all(Array.from({ length: 20 }, (_, i) => engine.execute(grantOf('shared', `F-${i}`))));
      const before = stateText(engine);
      await engine.close();
      const lines = readFileSync(`${path}.log`, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(1);
      expect((JSON.parse(lines[0]!) as { commands: unknown[] }).commands).toHaveLength(20);
      const again = engineOn(new FileLog(path));
      expect(await again.start()).toEqual({ restored: true });
      expect(stateText(again)).toBe(before);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('batches what arrives while an append is being written into the next one', async () => {
    const log = new RecordingLog();
    const engine = engineOn(log);
    await engine.start();
    let open!: () => void;
    log.gate = new Promise((resolve) => (open = resolve));
    const first = engine.execute(grantOf('shared', 'A'));
    await new Promise((resolve) => setImmediate(resolve)); // the first append is now waiting
    const later = Array.from({ length: 5 }, (_, i) => engine.execute(grantOf('shared', `B-${i}`)));
    log.gate = undefined;
    open();
    await Promise.all([first, ...later]);
    expect(log.appends.map((a) => a.length)).toEqual([1, 5]);
  });

  it('a failed append rejects every command of its batch with a 503 naming what failed, and changes nothing', async () => {
    const log = new RecordingLog();
    const engine = engineOn(log);
    await engine.start();
    await engine.execute(grantOf('shared', 'KEPT'));
    const before = stateText(engine);
    log.failNext = 1;
    const outcomes = await Promise.allSettled([
      engine.execute(grantOf('shared', 'LOST-1')),
      engine.execute({ type: 'clockSet', tenant: 'shared', now: 0 }),
      engine.execute({ type: 'faultAdd', input: { status: 500 } }),
    ]);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      const err = (o as PromiseRejectedResult).reason as MockError;
      expect(err).toBeInstanceOf(MockError);
      expect(err.kind).toBe('unavailable');
      expect(err.message).toBe('state could not be saved to /nowhere/state.json.log: EIO: injected failure');
    }
    expect(stateText(engine)).toBe(before);
    expect(engine.appliedSeq).toBe(1);
    // The log works again: the next change goes through.
    await engine.execute(grantOf('shared', 'AFTER'));
    expect(engine.state.tenants.tenant('shared').ledger.getAccount('AFTER')).toBeDefined();
    expect(engine.state.tenants.tenant('shared').ledger.getAccount('LOST-1')).toBeUndefined();
  });

  it('with the memory log (nothing to wait for) a change is applied in the tick it is asked for', async () => {
    const engine = engineOn();
    await engine.start();
    const answer = engine.execute(grantOf('shared', 'NOW'));
    expect(engine.state.tenants.peek('shared').ledger.getAccount('NOW')).toBeDefined();
    expect(engine.appliedSeq).toBe(1);
    await expect(answer).resolves.toHaveLength(1);
  });

  it('a command apply refuses rejects with its MockError; the others of the batch are applied', async () => {
    const engine = engineOn();
    await engine.start();
    const [bad, good] = await Promise.allSettled([
      engine.execute({ type: 'void', tenant: 'shared', creditId: 'cred.nothingHere.00000' }),
      engine.execute(grantOf('shared', 'OK')),
    ]);
    expect(bad).toMatchObject({
      status: 'rejected',
      reason: { kind: 'not_found', message: 'Credit cred.nothingHere.00000 does not exist' },
    });
    expect(good.status).toBe('fulfilled');
  });

  it('runs render right after its command, before any later change in the same batch', async () => {
    const engine = engineOn();
    await engine.start();
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        engine.execute(grantOf('shared', `R-${i}`), (_r, state) =>
          seen.push(state.tenants.peek('shared').ledger.creditCount),
        ),
      ),
    );
    expect(seen).toEqual([1, 2, 3]);
  });

  it('stamps a change with its tenant clock time, and a frozen clock (state) wins over the stamp', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const engine = engineOn(undefined, {}, () => now);
    await engine.start();
    const [credit] = await engine.execute(grantOf('shared', 'T'));
    expect(credit!.createdAt).toBe('2030-01-01T00:00:00.000Z');
    await engine.execute({ type: 'clockSet', tenant: 'shared', now: Date.parse('2024-05-05T00:00:00Z') });
    // A command stamped earlier (accepted before the clock was set) is applied at the frozen time.
    now = Date.parse('2031-01-01T00:00:00Z');
    const [later] = await engine.execute({ ...grantOf('shared', 'T'), at: Date.parse('2029-01-01T00:00:00Z') });
    expect(later!.createdAt).toBe('2024-05-05T00:00:00.000Z');
  });

  it('close() finishes queued changes, then refuses new ones with a 503', async () => {
    const engine = engineOn();
    await engine.start();
    const pending = engine.execute(grantOf('shared', 'LAST'));
    await engine.close();
    await expect(pending).resolves.toBeDefined();
    await expect(engine.execute(grantOf('shared', 'TOO-LATE'))).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

describe('Engine: a log shared by several processes', () => {
  it('a read on one engine sees what another appended (read your writes through a load balancer)', async () => {
    const shared = new SharedLog();
    const a = engineOn(shared.handle());
    const b = engineOn(shared.handle());
    await Promise.all([a.start(), b.start()]);
    const [credit] = await a.execute(grantOf('shared', 'ACC'));
    const seen = await b.read((s) => s.tenants.peek('shared').ledger.has(credit!.id));
    expect(seen).toBe(true);
    expect(stateText(b)).toBe(stateText(a));
  });

  it('forRequest: the reads of one request share one catch-up that began after it arrived; the next request catches up again', async () => {
    const shared = new SharedLog();
    const a = engineOn(shared.handle());
    const b = engineOn(shared.handle());
    await Promise.all([a.start(), b.start()]);
    await a.execute(grantOf('shared', 'FIRST'));
    const calls = shared.readAfterCalls;
    const request = b.forRequest();
    expect(await request.read((s) => s.tenants.peek('shared').ledger.creditCount)).toBe(1);
    expect(await request.read((s) => s.tenants.peek('shared').ledger.creditCount)).toBe(1);
    expect(shared.readAfterCalls - calls).toBe(1);
    // A change answered after that request's catch-up is seen by the next request, not by it.
    await a.execute(grantOf('shared', 'SECOND'));
    expect(await request.read((s) => s.tenants.peek('shared').ledger.creditCount)).toBe(1);
    expect(await b.forRequest().read((s) => s.tenants.peek('shared').ledger.creditCount)).toBe(2);
    expect(shared.readAfterCalls - calls).toBe(2);
    // With a local log there is nothing to share: the engine itself.
    const local = engineOn();
    expect(local.forRequest()).toBe(local);
  });

  it('an append that lost the race catches up and is retried, and both engines end up equal', async () => {
    const shared = new SharedLog();
    const a = engineOn(shared.handle());
    const b = engineOn(shared.handle());
    await Promise.all([a.start(), b.start()]);
    await a.execute(grantOf('shared', 'FROM-A', { idempotencyKey: 'k' }));
    // B has not seen A's entry: its append after seq 0 conflicts; it catches up and appends after seq 1.
    expect(b.appliedSeq).toBe(0);
    const fromB = await b.execute(grantOf('shared', 'FROM-A', { idempotencyKey: 'k' }));
    expect(b.appliedSeq).toBe(2);
    // The idempotency key held across the two: the same credit, not a second one.
    expect(b.state.tenants.peek('shared').ledger.creditCount).toBe(1);
    await a.read(() => undefined);
    expect(stateText(a)).toBe(stateText(b));
    expect(fromB[0]!.id).toBe(a.state.tenants.peek('shared').ledger.list({ pageSize: 1 }, 0).credits[0]!.id);
  });

  it('coalesces catch-ups: reads that come together share one, and none relies on a catch-up that started before it', async () => {
    const shared = new SharedLog();
    const a = engineOn(shared.handle());
    const b = engineOn(shared.handle());
    await Promise.all([a.start(), b.start()]);
    let open!: () => void;
    shared.readGate = new Promise((resolve) => (open = resolve));
    const before = shared.readAfterCalls;
    // A catch-up starts and reads the log (empty so far), held at the gate.
    const early = b.read((s) => s.tenants.peek('shared').ledger.creditCount);
    await new Promise((resolve) => setImmediate(resolve));
    // A change is appended after that catch-up looked; reads made now must see it.
    await a.execute(grantOf('shared', 'LATE'));
    const late = Array.from({ length: 10 }, () => b.read((s) => s.tenants.peek('shared').ledger.creditCount));
    shared.readGate = undefined;
    open();
    expect(await early).toBe(0);
    expect(await Promise.all(late.map((v) => Promise.resolve(v)))).toEqual(Array(10).fill(1));
    // One catch-up in flight plus one for all the reads that waited.
    expect(shared.readAfterCalls - before).toBe(2);
  });

  it('a late engine starts from the snapshot; one left behind a compaction reloads from it', async () => {
    const shared = new SharedLog();
    const a = engineOn(shared.handle());
    const behind = engineOn(shared.handle());
    await Promise.all([a.start(), behind.start()]);
    for (let i = 0; i < 5; i++) await a.execute(grantOf('shared', `S-${i}`));
    await shared
      .handle()
      .writeSnapshot(5, (a as unknown as { machine: { snapshot(seq: number): unknown[] } }).machine.snapshot(5));
    shared.trimmedTo = 5;
    await a.execute(grantOf('shared', 'S-after'));

    const late = engineOn(shared.handle());
    await late.start();
    expect(late.appliedSeq).toBe(6);
    expect(stateText(late)).toBe(stateText(a));

    // Its next read asks for entries after seq 0, which are gone: it reloads.
    expect(await behind.read((s) => s.tenants.peek('shared').ledger.creditCount)).toBe(6);
    expect(behind.appliedSeq).toBe(6);
    expect(stateText(behind)).toBe(stateText(a));
  });
});

describe('Engine: the start-up command (TOGAI_MOCK_SEED, TOGAI_MOCK_FIXTURES)', () => {
  const fixtures = (accountId: string, creditId = 'cred.startupFixt.00001') => ({
    accounts: [{ accountId, currency: 'USD' }],
    credits: [{ id: creditId, accountId, purpose: 'P', effectiveFrom: '2024-01-01', creditAmount: 5, priority: 1 }],
  });
  const startup = (fx: ReturnType<typeof fixtures>) => ({
    type: 'startup' as const,
    seed: { seed: 7, accounts: 2, creditsPerAccount: 1 },
    fixtures: fx,
  });

  it('two engines starting together on one log both ask; only the first applied does anything, everywhere', async () => {
    const shared = new SharedLog();
    const a = engineOn(shared.handle());
    const b = engineOn(shared.handle());
    await Promise.all([a.start(), b.start()]);
    // Neither has seen the other's entry: both find the store empty when they build the command.
    const [fromA, fromB] = await Promise.all([
      a.execute(startup(fixtures('FIX'))),
      b.execute(startup(fixtures('FIX'))),
    ]);
    expect([fromA.applied, fromB.applied].sort()).toEqual([false, true]);
    await a.read(() => undefined);
    expect(a.state.tenants.peek('shared').ledger.accountCount).toBe(3);
    expect(a.state.tenants.peek('shared').ledger.creditCount).toBe(3);
    expect(stateText(a)).toBe(stateText(b));
  });

  it('does nothing on a store that holds a tenant already', async () => {
    const engine = engineOn();
    await engine.start();
    await engine.execute(grantOf('t_other', 'ACC'));
    expect(await engine.execute(startup(fixtures('FIX')))).toEqual({ applied: false });
    expect(engine.state.tenants.has('shared')).toBe(false);
  });

  it('seed and fixtures go in together or not at all: a refused fixture leaves the store empty', async () => {
    const engine = engineOn();
    await engine.start();
    // The seed goes in first; then the fixtures name one credit id twice.
    const good = fixtures('FIX');
    const bad = { ...good, credits: [good.credits[0]!, good.credits[0]!] };
    const refused = await engine.execute(startup(bad)).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(MockError);
    expect(engine.state.tenants.keys()).toEqual([]);
    // And the store is still empty, so a corrected start-up applies.
    expect(await engine.execute(startup(fixtures('FIX')))).toMatchObject({ applied: true });
  });
});
