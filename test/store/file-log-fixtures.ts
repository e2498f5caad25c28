// Shared by the file log's tests, its crash-test child and nothing else:
// deterministic commands and snapshot parts for a given seq, so whoever
// reads a log back can tell exactly what each entry must hold.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The commands of the entry at `seq`: one to three of about 100 bytes each (~300 bytes a line). */
export function commandsFor(seq: number): unknown[] {
  const n = 1 + (seq % 3);
  return Array.from({ length: n }, (_, i) => ({
    type: 'grant',
    tenant: 'shared',
    at: 1_700_000_000_000 + seq,
    id: `c-${seq}-${i}`,
    pad: 'x'.repeat(40),
  }));
}

/** The snapshot a writer takes at `seq`: a header part, then one part per entry it covers. */
export function partsFor(seq: number): unknown[] {
  return [{ formatVersion: 2, seq }, ...Array.from({ length: seq }, (_, k) => ({ upTo: k + 1, note: 'y'.repeat(60) }))];
}

export function tempDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `togai-mock-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
