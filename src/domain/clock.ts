// The fake clock. The domain never reads the wall clock: every ledger call is
// given `now` (epoch milliseconds) by its caller, which takes it from a
// MockClock. A MockClock follows real time until it is frozen or moved, so
// tests can push credits past their expiry without waiting. Real time is
// whatever source it is given (the process's wall clock is supplied from
// outside the domain, by the side that stamps commands).

export type TimeSource = () => number;

export class MockClock {
  /** Fixed time while frozen; undefined while following real time. */
  private frozenAt: number | undefined;

  constructor(private readonly realTime: TimeSource) {}

  now(): number {
    return this.frozenAt ?? this.realTime();
  }

  get frozen(): boolean {
    return this.frozenAt !== undefined;
  }

  /** Freeze time at `at` (epoch ms). */
  set(at: number): void {
    this.frozenAt = at;
  }

  /** Move time forward (or back, with a negative value) and keep it frozen there. */
  advance(ms: number): void {
    this.frozenAt = this.now() + ms;
  }

  /** Follow real time again. */
  reset(): void {
    this.frozenAt = undefined;
  }

  toJSON(): { frozenAt: number | null } {
    return { frozenAt: this.frozenAt ?? null };
  }

  restore(state: { frozenAt: number | null }): void {
    this.frozenAt = state.frozenAt ?? undefined;
  }
}
