import { describe, expect, it } from 'vitest';
import { formatDuration, Pace } from '../../src/cli/send-run.ts';

describe('numero send’s rate and time left', () => {
  it('gives the rate over the last ten seconds, not since the start', () => {
    const pace = new Pace();
    expect(pace.add(0, 0)).toBe(0);
    // 20 s of waiting for a worker, then 1,000 msg/s.
    expect(pace.add(0, 20_000)).toBe(0);
    for (let t = 21_000; t <= 40_000; t += 1_000) pace.add((t - 20_000) * 1, t);
    expect(pace.add(21_000, 41_000)).toBeCloseTo(1_000, 0);
  });

  it('writes durations as a person reads them', () => {
    expect(formatDuration(0.42)).toBe('0.4 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3_720)).toBe('1 h 02 min');
    expect(formatDuration(Number.NaN)).toBe('?');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });
});
