// Records by id and in creation order, for cursor pages that cost the same
// at any size: a page starts at the position of the cursor's last item (one
// map lookup), never by scanning from the start. Records are never removed
// (deleting archives), except the newest ones when a change that made them
// is taken back, so positions never move.

export class OrderedTable<T extends { id: string }> {
  private readonly items: T[] = [];
  private readonly position = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }

  get(id: string): T | undefined {
    const i = this.position.get(id);
    return i === undefined ? undefined : this.items[i];
  }

  has(id: string): boolean {
    return this.position.has(id);
  }

  add(item: T): void {
    this.position.set(item.id, this.items.length);
    this.items.push(item);
  }

  /** Takes back the newest record (an undo of its creation). */
  removeLast(item: T): void {
    if (this.items[this.items.length - 1] !== item) throw new Error(`OrderedTable: ${item.id} is not the newest`);
    this.items.pop();
    this.position.delete(item.id);
  }

  values(): readonly T[] {
    return this.items;
  }

  /**
   * Up to `pageSize` records after `afterId` (exclusive; undefined: from the
   * start) that `keep` accepts, and whether more follow.
   */
  page(afterId: string | undefined, pageSize: number, keep: (item: T) => boolean): { items: T[]; more: boolean } {
    const start = afterId === undefined ? 0 : this.position.get(afterId)! + 1;
    const items: T[] = [];
    for (let i = start; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (!keep(item)) continue;
      if (items.length === pageSize) return { items, more: true };
      items.push(item);
    }
    return { items, more: false };
  }
}
