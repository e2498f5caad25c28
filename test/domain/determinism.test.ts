// The ledger is deterministic: the same changes at the same
// instants give the same state in any ledger with the same seed, whatever
// reads one of them had in between (reads write nothing, expiries included:
// they show an expiry not yet written as the next change writes it) and
// wherever the clock went, and a ledger restored from a snapshot carries on identically.
// Expiry draws no id: its transaction id comes from the credit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiredTransactionId, TRANSACTION_ID_PATTERN } from '../../src/domain/ids.js';
import { Ledger } from '../../src/domain/ledger.js';
import { fcParams, FUZZ_TIMEOUT } from '../fuzz/config.js';
import { applyOp, DAY, opArb, readAll, START } from './ledger-ops.js';

const T = (iso: string): number => Date.parse(iso);
const NOW = T('2024-06-01T12:00:00Z');
const req = (over: Record<string, unknown> = {}) => ({
  accountId: 'ACC001',
  purpose: 'PREPAID_CREDIT',
  effectiveFrom: '2024-01-01',
  effectiveUntil: '2024-12-31',
  creditAmount: 1000,
  priority: 1,
  ...over,
});

/** A read at some instant before the next change, or none. */
const readArb = fc.option(fc.record({ share: fc.double({ min: 0, max: 1, noNaN: true }), all: fc.boolean() }), {
  nil: null,
});

describe('same seed, same changes, same ledger', () => {
  it(
    'gives equal answers and snapshots, with extra reads in one of them, the clock going back and forth, and a copy restored half-way',
    () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(opArb, readArb), { minLength: 1, maxLength: 30 }),
          fc.nat(),
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          (steps, copyAt, seed) => {
            const plain = new Ledger({ seed });
            const read = new Ledger({ seed });
            let copy: Ledger | undefined;
            const ids: string[][] = [[], [], []];
            steps.forEach(([op, r], i) => {
              if (i === copyAt % steps.length) {
                copy = new Ledger();
                copy.restore(JSON.parse(JSON.stringify(plain.snapshot())));
                ids[2] = [...ids[0]!];
              }
              // A read between two changes happens at the mock's time then, which the next
              // change's time is not before (a clock moved back is itself a change, at the time it
              // was moved from): so the read looks no later than the next change.
              if (r !== null) {
                const when = START - 3 * DAY + r.share * (op.at - (START - 3 * DAY));
                if (r.all) readAll(read, ids[1]!, when);
                else read.settle(when);
              }
              const answer = applyOp(plain, op, ids[0]!);
              expect(applyOp(read, op, ids[1]!)).toBe(answer);
              if (copy) expect(applyOp(copy, op, ids[2]!)).toBe(answer);
              expect(read.snapshot()).toEqual(plain.snapshot());
              if (copy) expect(copy.snapshot()).toEqual(plain.snapshot());
            });
            // And they read the same from here on.
            const later = START + 400 * DAY;
            expect(readAll(read, ids[0]!, later)).toEqual(readAll(plain, ids[0]!, later));
            expect(read.snapshot()).toEqual(plain.snapshot());
          },
        ),
        fcParams(150),
      );
    },
    FUZZ_TIMEOUT,
  );

  it('keeps the ids a seed made before: grants, a void, a hold', () => {
    // Pinned from the ledger before ids became part of its state: the draws are unchanged.
    const l = new Ledger({ seed: 7 });
    const [a, b] = l.grant([req(), req()], NOW);
    expect([a!.id, b!.id]).toEqual(['cred.RyZCbtkb8xq.5EQh2', 'cred.ZzFLBUdxwrU.COtAs']);
    l.void(a!.id, NOW);
    expect(l.getCreditDetails(a!.id, NOW).transactions.map((t) => t.id)).toEqual([
      'ctxn.wr6RYtHcLlc.MTiCM',
      'ctxn.uJlNPEu7v0d.rgwWp',
    ]);
    expect(l.consume('ACC001', { amount: 10, hold: true }, NOW).drawn[0]!.holdId).toBe('hold.kaNNFBStW4b.TEd0C');
  });
});

describe('expiry', () => {
  it('draws no id: the EXPIRED transaction id comes from the credit, whichever call notices it first', () => {
    const byRead = new Ledger({ seed: 5 });
    const byChange = new Ledger({ seed: 5 });
    const [c] = byRead.grant([req({ effectiveUntil: '2024-06-10', creditAmount: 100 })], NOW);
    byChange.grant([req({ effectiveUntil: '2024-06-10', creditAmount: 100 })], NOW);
    byRead.consume('ACC001', { amount: 30 }, NOW);
    byChange.consume('ACC001', { amount: 30 }, NOW);
    const later = T('2024-07-01T00:00:00Z');

    const idsBefore = byRead.idState;
    expect(byRead.getCredit(c!.id, later).status).toBe('EXPIRED'); // a read notices it
    expect(byRead.idState).toBe(idsBefore);
    byChange.grant([req({ accountId: 'OTHER' })], later); // a change notices it
    byRead.grant([req({ accountId: 'OTHER' })], later);

    const expired = (l: Ledger) =>
      l.getCreditDetails(c!.id, later).transactions.find((t) => t.transactionType === 'EXPIRED')!;
    expect(expired(byRead).id).toBe(expiredTransactionId(c!.id));
    expect(expired(byRead).id).toMatch(TRANSACTION_ID_PATTERN);
    expect(expired(byChange)).toEqual(expired(byRead));
    expect(expired(byRead)).toMatchObject({ amount: 70, createdAt: '2024-06-11T00:00:00.000Z' });
    expect(byRead.snapshot()).toEqual(byChange.snapshot());
  });

  it('gives different credits different EXPIRED transaction ids', () => {
    const l = new Ledger({ seed: 1 });
    const credits = l.grant(
      Array.from({ length: 50 }, () => req({ effectiveUntil: '2024-06-10' })),
      NOW,
    );
    const later = T('2024-07-01T00:00:00Z');
    const ids = credits.map((c) => l.getCreditDetails(c.id, later).transactions[1]!.id);
    expect(new Set(ids).size).toBe(50);
  });
});

describe('reads', () => {
  it('write nothing, and show an expiry not yet written exactly as the next change writes it', () => {
    const l = new Ledger({ seed: 3 });
    const [ending] = l.grant(
      [req({ effectiveUntil: '2024-06-10', creditAmount: 100 }), req({ creditAmount: 50 })],
      NOW,
    );
    // Drawn from the credit that ends first: a hold on it, released by its expiry.
    l.consume('ACC001', { amount: 30, hold: true }, NOW);
    l.consume('ACC001', { amount: 20 }, NOW);
    const before = l.snapshot();
    const idsBefore = l.idState;
    const later = T('2024-07-01T00:00:00Z');
    const read = (x: Ledger): string =>
      JSON.stringify([
        x.list({ pageSize: 10 }, later),
        x.list({ pageSize: 10, status: 'EXPIRED' }, later),
        x.list({ pageSize: 10, status: 'ACTIVE' }, later),
        x.list({ pageSize: 10, accountId: 'ACC001' }, later),
        x.getCredit(ending!.id, later),
        x.getCreditDetails(ending!.id, later),
        x.balance('ACC001', later),
        x.listHolds('ACC001', later),
      ]);
    const shown = read(l);
    expect(l.snapshot()).toEqual(before);
    expect(l.idState).toBe(idsBefore);
    expect(l.getCredit(ending!.id, later)).toMatchObject({
      status: 'EXPIRED',
      holdAmount: 0,
      updatedAt: '2024-06-11T00:00:00.000Z',
    });
    expect(l.listHolds('ACC001', later)).toEqual([]);
    // What a change at that time writes, read back at that time: the same answers.
    const settled = new Ledger();
    settled.restore(before);
    settled.settle(later);
    expect(settled.snapshot()).not.toEqual(before);
    expect(read(settled)).toBe(shown);
    // And before the window closes, the credit reads as it is stored.
    expect(l.getCredit(ending!.id, NOW)).toMatchObject({ status: 'ACTIVE', holdAmount: 30 });
  });
});

describe('the id generator state', () => {
  it('is in the snapshot, and a restored ledger goes on with the same ids', () => {
    const a = new Ledger({ seed: 99 });
    a.grant([req()], NOW);
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    expect(snap.idState).toBe(a.idState);
    const b = new Ledger({ seed: 1 });
    b.restore(snap);
    expect(b.grant([req()], NOW)).toEqual(a.grant([req()], NOW));
  });

  it('is left as it is by a snapshot without one (an older version wrote it)', () => {
    const a = new Ledger({ seed: 3 });
    a.grant([req()], NOW);
    const { idState: _dropped, ...old } = a.snapshot();
    const b = new Ledger({ seed: 42 });
    const c = new Ledger({ seed: 42 });
    b.restore(old);
    expect(b.idState).toBe(c.idState);
  });

  it('is set in place by reseed, keeping the data: the same seed on the same data, the same ids', () => {
    const a = new Ledger({ seed: 1 });
    const b = new Ledger({ seed: 2 });
    const [first] = a.grant([req()], NOW);
    b.restore(a.snapshot());
    b.reseed(5); // not what a has: b's next ids would differ
    a.reseed(77);
    b.reseed(77);
    expect(a.grant([req({ accountId: 'X' })], NOW)).toEqual(b.grant([req({ accountId: 'X' })], NOW));
    expect(a.creditCount).toBe(2);
    expect(a.getCredit(first!.id, NOW)).toEqual(first);
  });
});
