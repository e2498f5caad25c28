// The harness's comparison with a --baseline build, paired round by round
// (bench/run.ts pairWithBaseline and its table): a pure computation over the
// rounds' figures, no server.

import { describe, expect, it } from 'vitest';
import { pairWithBaseline, renderReport, type Report } from '../../bench/run.js';

const round = (rps: number, cpuUs: number) => ({ rps, cpuUs });

describe('bench: against the baseline, paired by round', () => {
  it('takes the ratio within each round and the median of those, not the ratio of the two medians', () => {
    // Busy rounds (8,000 req/s) fall on the current build three times and on the baseline
    // twice: apart, the medians read 8,000 against 12,600 (63 %); paired, four rounds of
    // five read 95 % and the median is 95 %.
    const rounds = {
      grant: {
        'togai-mock 1k': [round(12000, 83), round(8000, 125), round(12000, 83), round(8000, 125), round(8000, 125)],
        'togai-mock 1k (before)': [
          round(12600, 79),
          round(8400, 119),
          round(12600, 79),
          round(12600, 79),
          round(8400, 119),
        ],
      },
    };
    const [cell, ...rest] = pairWithBaseline({ rounds });
    expect(rest).toEqual([]);
    expect(cell!.scenario).toBe('grant');
    expect(cell!.label).toBe('togai-mock 1k');
    expect(cell!.rpsRatios.map((x) => Math.round(x * 1000) / 1000)).toEqual([0.952, 0.952, 0.952, 0.635, 0.952]);
    expect(cell!.rpsRatio).toBeCloseTo(0.952, 3);
    expect(cell!.cpuRatio).toBeCloseTo(0.952, 3);
    expect(cell!.rpsRatio).toBeGreaterThanOrEqual(0.9);
  });

  it('pairs only labels that have a baseline twin, over the rounds both ran', () => {
    const rounds = {
      list: {
        'togai-mock 1k': [round(100, 10), round(90, 11), round(80, 12)],
        'togai-mock 1k (before)': [round(200, 5), round(180, 6)],
        'togai-mock 1M': [round(50, 20)],
        Prism: [round(10, 100)],
      },
    };
    const cells = pairWithBaseline({ rounds });
    expect(cells).toHaveLength(1);
    expect(cells[0]!.rpsRatios).toEqual([0.5, 0.5]);
    expect(cells[0]!.cpuRatio).toBeCloseTo((5 / 10 + 6 / 11) / 2, 10);
    expect(pairWithBaseline({})).toEqual([]);
  });

  it("renders the table with each round's ratio and a verdict at 90 %", () => {
    const report = {
      options: { duration: 5, warmup: 2, runs: 3, connections: 50 },
      machine: {},
      startup: { togai: [], prism: [], baseline: [] },
      preload: [],
      results: {},
      instances: [],
      started: 'a',
      finished: 'b',
      command: 'npm run bench',
      rounds: {
        balance: {
          'togai-mock 1k': [round(85, 10), round(88, 10), round(95, 10)],
          'togai-mock 1k (before)': [round(100, 10), round(100, 10), round(100, 10)],
        },
      },
    } as unknown as Report;
    const md = renderReport(report);
    expect(md).toContain('### Against the baseline, paired round by round');
    expect(md).toContain('| balance, 1k | 85 %, 88 %, 95 % | 88 % | 100 % | **no** |');
  });
});
