// Change capture and undo without copying: whatever a stretch of
// changes did, revert() gives back a ledger equal to the one before (also
// when the undo record went through JSON, was applied to a copy restored
// from a snapshot, or was nested in another capture), its indexes stay
// consistent (the same later changes give the same answers as on a ledger
// that never had them), and removeCredit leaves no hole in listings.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Ledger } from '../../src/domain/ledger.js';
import { fcParams, FUZZ_TIMEOUT } from '../fuzz/config.js';
import { applyOp, DAY, opArb, readAll, START, type Op } from './ledger-ops.js';

const T = (iso: string): number => Date.parse(iso);
const NOW = T('2024-06-01T12:00:00Z');
const req = (over: Record<string, unknown> = {}) => ({
  accountId: 'ACC001',
  purpose: 'PREPAID_CREDIT',
  effectiveFrom: '2024-01-01',
  creditAmount: 1000,
  priority: 1,
  ...over,
});

const ops = (max: number) => fc.array(opArb, { maxLength: max });

/** A ledger after `before`, with the credits it granted. */
function ledgerAfter(before: Op[], seed = 11): { ledger: Ledger; ids: string[] } {
  const ledger = new Ledger({ seed });
  const ids: string[] = [];
  for (const op of before) applyOp(ledger, op, ids);
  return { ledger, ids };
}

/** Runs `after` on both ledgers, which must answer alike throughout and end equal. */
function sameFromHere(a: Ledger, b: Ledger, ids: string[], after: Op[]): void {
  const idsA = [...ids];
  const idsB = [...ids];
  for (const op of after) expect(applyOp(a, op, idsA)).toBe(applyOp(b, op, idsB));
  const later = START + 400 * DAY;
  expect(readAll(a, idsA, later)).toEqual(readAll(b, idsB, later));
  expect(a.snapshot()).toEqual(b.snapshot());
}

describe('capture and revert', () => {
  it(
    'give back the ledger as it was, indexes included, whatever was changed, removed or created',
    () => {
      fc.assert(
        fc.property(ops(15), ops(15), ops(10), (before, during, after) => {
          const { ledger, ids } = ledgerAfter(before);
          const snap = ledger.snapshot();
          const pristine = new Ledger();
          pristine.restore(structuredClone(snap));
          ledger.beginCapture();
          const duringIds = [...ids];
          for (const op of during) applyOp(ledger, op, duringIds);
          const undo = JSON.parse(JSON.stringify(ledger.endCapture()));
          ledger.revert(undo);
          expect(ledger.snapshot()).toEqual(snap);
          sameFromHere(ledger, pristine, duringIds, after);
        }),
        fcParams(200),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'work on a copy restored from a snapshot in between (as in another process), with the same result',
    () => {
      fc.assert(
        fc.property(ops(15), ops(15), ops(10), ops(10), (before, during, between, after) => {
          const { ledger, ids } = ledgerAfter(before);
          const snap = ledger.snapshot();
          ledger.beginCapture();
          const allIds = [...ids];
          for (const op of during) applyOp(ledger, op, allIds);
          const undo = ledger.endCapture();
          // Changes made after the capture stay; the copy sees the same ones.
          for (const op of between) applyOp(ledger, op, allIds);
          const copy = new Ledger();
          copy.restore(JSON.parse(JSON.stringify(ledger.snapshot())));
          ledger.revert(undo);
          copy.revert(JSON.parse(JSON.stringify(undo)));
          expect(copy.snapshot()).toEqual(ledger.snapshot());
          if (between.length === 0) expect(ledger.snapshot()).toEqual(snap);
          sameFromHere(ledger, copy, allIds, after);
        }),
        fcParams(200),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'nest: an inner revert inside an outer capture, then the outer revert, give back the start',
    () => {
      fc.assert(
        fc.property(ops(10), ops(8), ops(8), ops(8), (before, outer, inner, more) => {
          const { ledger, ids } = ledgerAfter(before);
          const snap = ledger.snapshot();
          const all = [...ids];
          ledger.beginCapture();
          for (const op of outer) applyOp(ledger, op, all);
          const mid = ledger.snapshot();
          ledger.beginCapture();
          for (const op of inner) applyOp(ledger, op, all);
          ledger.revert(ledger.endCapture());
          expect(ledger.snapshot()).toEqual(mid);
          for (const op of more) applyOp(ledger, op, all);
          ledger.revert(ledger.endCapture());
          expect(ledger.snapshot()).toEqual(snap);
        }),
        fcParams(150),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'nest: an older undo reverted inside a capture (a teardown inside a command) is taken back by that capture',
    () => {
      fc.assert(
        fc.property(ops(10), ops(8), ops(8), ops(8), fc.boolean(), (before, first, between, more, fail) => {
          const { ledger, ids } = ledgerAfter(before);
          const all = [...ids];
          ledger.beginCapture();
          for (const op of first) applyOp(ledger, op, all);
          const older = ledger.endCapture();
          for (const op of between) applyOp(ledger, op, all);
          const snap = ledger.snapshot();
          ledger.beginCapture();
          ledger.revert(older);
          for (const op of more) applyOp(ledger, op, all);
          const undo = ledger.endCapture();
          if (fail) {
            ledger.revert(undo);
            expect(ledger.snapshot()).toEqual(snap);
          } else {
            // Taken back later, on a copy restored from a snapshot, all the same.
            const copy = new Ledger();
            copy.restore(JSON.parse(JSON.stringify(ledger.snapshot())));
            copy.revert(JSON.parse(JSON.stringify(undo)));
            expect(copy.snapshot()).toEqual(snap);
          }
        }),
        fcParams(150),
      );
    },
    FUZZ_TIMEOUT,
  );

  it('never copies the ledger: no snapshot() or restore() while capturing or reverting', () => {
    const { ledger, ids } = ledgerAfter([]);
    ledger.grant([req(), req({ accountId: 'B', effectiveUntil: '2024-06-10' })], NOW);
    const snapshot = vi.spyOn(ledger, 'snapshot');
    const restore = vi.spyOn(ledger, 'restore');
    ledger.beginCapture();
    ledger.consume('ACC001', { amount: 10, hold: true }, NOW);
    ledger.grant([req({ accountId: 'NEW' })], T('2024-07-01T00:00:00Z'));
    ids.length = 0;
    ledger.revert(ledger.endCapture());
    expect(snapshot).not.toHaveBeenCalled();
    expect(restore).not.toHaveBeenCalled();
  });

  it('keep changes made after the capture to other records; drop credits granted since on an account it created', () => {
    const l = new Ledger({ seed: 4 });
    const [kept] = l.grant([req({ accountId: 'OLD' })], NOW);
    l.beginCapture();
    l.createAccount({ accountId: 'MADE' }, NOW);
    const [inCapture] = l.grant([req({ accountId: 'OLD', creditAmount: 5 })], NOW);
    const undo = l.endCapture();
    // After the capture: a credit on the account it created, one on an older account, a hold on an older credit.
    const [onMade] = l.grant([req({ accountId: 'MADE' })], NOW);
    const [onOld] = l.grant([req({ accountId: 'OTHER' })], NOW);
    l.consume('OLD', { amount: 100, hold: true, invoiceId: 'inv' }, NOW);
    l.revert(undo);
    expect(l.getAccount('MADE')).toBeUndefined();
    expect(l.has(onMade!.id)).toBe(false);
    expect(l.has(inCapture!.id)).toBe(false);
    expect(l.has(onOld!.id)).toBe(true);
    expect(l.list({ pageSize: 50 }, NOW).credits.map((c) => c.id)).toEqual([kept!.id, onOld!.id]);
    // The hold (on a credit the capture did not touch) stays, consistent with its credit.
    expect(l.listHolds('OLD', NOW)).toEqual([
      expect.objectContaining({ creditId: kept!.id, amount: 100, invoiceId: 'inv' }),
    ]);
    expect(l.getCredit(kept!.id, NOW).holdAmount).toBe(100);
    expect(l.balance('OLD', NOW)).toMatchObject({ availableBalance: 1000, runningBalance: 900 });
  });

  it('rewinds the id generator only when no id was drawn since the capture ended', () => {
    const l = new Ledger({ seed: 4 });
    const start = l.idState;
    l.beginCapture();
    l.grant([req()], NOW);
    const undo = l.endCapture();
    l.revert(undo);
    expect(l.idState).toBe(start);

    l.beginCapture();
    const [c] = l.grant([req()], NOW);
    const again = l.endCapture();
    l.grant([req({ accountId: 'LATER' })], NOW);
    const drawn = l.idState;
    l.revert(again);
    expect(l.idState).toBe(drawn);
    expect(l.has(c!.id)).toBe(false);
  });
});

describe('removeCredit', () => {
  const setup = () => {
    const l = new Ledger({ seed: 2 });
    const credits = l.grant(
      [
        req({ idempotencyKey: 'k' }),
        req({ accountId: 'B' }),
        req({ effectiveUntil: '2024-06-10' }),
        req({ accountId: 'B', effectiveUntil: '2024-06-20' }),
        req(),
      ],
      NOW,
    );
    return { l, ids: credits.map((c) => c.id) };
  };

  it('takes the credit out of every listing, page and balance, with no hole', () => {
    const { l, ids } = setup();
    l.consume('ACC001', { amount: 100, hold: true }, NOW);
    expect(l.removeCredit(ids[2]!)).toBe(true);
    expect(l.removeCredit(ids[2]!)).toBe(false);
    expect(l.creditCount).toBe(4);
    expect(l.has(ids[2]!)).toBe(false);
    expect(() => l.getCredit(ids[2]!, NOW)).toThrow(/does not exist/);
    expect(l.list({ pageSize: 50 }, NOW).credits.map((c) => c.id)).toEqual([ids[0], ids[1], ids[3], ids[4]]);
    // Pages of two: the cursor of the second page steps over the empty slot.
    const first = l.list({ pageSize: 2 }, NOW);
    expect(first.credits.map((c) => c.id)).toEqual([ids[0], ids[1]]);
    const second = l.list({ pageSize: 2, afterId: first.nextAfterId! }, NOW);
    expect(second.credits.map((c) => c.id)).toEqual([ids[3], ids[4]]);
    expect(second.nextAfterId).toBeUndefined();
    expect(l.list({ pageSize: 1, accountId: 'ACC001', afterId: ids[0]! }, NOW).credits.map((c) => c.id)).toEqual([
      ids[4],
    ]);
    expect(l.balance('ACC001', NOW)).toMatchObject({ activeCredits: 2000 });
    // The hold was on the first credit, drawn by priority then earliest end: ids[2] ended first.
    expect(l.listHolds('ACC001', NOW).every((h) => h.creditId !== ids[2])).toBe(true);
  });

  it('drops its holds and frees its idempotency key', () => {
    const { l, ids } = setup();
    const drawn = l.consume('ACC001', { amount: 100, hold: true }, NOW).drawn;
    expect(drawn[0]!.creditId).toBe(ids[2]);
    l.removeCredit(ids[2]!);
    expect(l.listHolds('ACC001', NOW)).toEqual([]);
    l.removeCredit(ids[0]!);
    const [again] = l.grant([req({ idempotencyKey: 'k' })], NOW);
    expect(again!.id).not.toBe(ids[0]);
    expect(l.grant([req({ idempotencyKey: 'k' })], NOW)[0]!.id).toBe(again!.id);
  });

  it('leaves the expiry of the others alone, and a credit granted later is listed last', () => {
    const { l, ids } = setup();
    l.removeCredit(ids[2]!);
    l.removeCredit(ids[4]!);
    const [fresh] = l.grant([req({ accountId: 'B' })], NOW);
    const later = T('2024-07-01T00:00:00Z');
    expect(l.list({ pageSize: 50, status: 'EXPIRED' }, later).credits.map((c) => c.id)).toEqual([ids[3]]);
    expect(l.list({ pageSize: 50 }, later).credits.map((c) => c.id)).toEqual([ids[0], ids[1], ids[3], fresh!.id]);
    expect(l.list({ pageSize: 50, accountId: 'B' }, later).credits.map((c) => c.id)).toEqual([
      ids[1],
      ids[3],
      fresh!.id,
    ]);
  });

  it('is undone in place: the credit comes back where it was, also in a copy where its slot is gone', () => {
    const { l, ids } = setup();
    const order = l.list({ pageSize: 50 }, NOW).credits.map((c) => c.id);
    const before = l.snapshot();
    l.beginCapture();
    l.removeCredit(ids[1]!);
    l.removeCredit(ids[2]!);
    const undo = l.endCapture();
    const [later] = l.grant([req({ accountId: 'C' })], NOW);
    const copy = new Ledger();
    copy.restore(l.snapshot()); // no empty slots in the copy
    for (const x of [l, copy]) {
      x.revert(undo);
      expect(x.list({ pageSize: 50 }, NOW).credits.map((c) => c.id)).toEqual([...order, later!.id]);
      expect(x.list({ pageSize: 50, accountId: 'B' }, NOW).credits.map((c) => c.id)).toEqual([ids[1], ids[3]]);
      const page = x.list({ pageSize: 2, afterId: ids[0]! }, NOW);
      expect(page.credits.map((c) => c.id)).toEqual([ids[1], ids[2]]);
    }
    expect(copy.snapshot()).toEqual(l.snapshot());
    const { credits, ...rest } = l.snapshot();
    expect(credits.slice(0, 5)).toEqual(before.credits);
    expect(rest.accounts.slice(0, 2)).toEqual(before.accounts);
  });
});
