import { describe, expect, it } from 'vitest';
import { SeenAddresses } from '../../src/audience/seen-addresses.ts';

describe('SeenAddresses', () => {
  it('finds every repeat with its first line across growth, and no false repeat among 300,000 addresses', () => {
    const seen = new SeenAddresses();
    let falseRepeats = 0;
    for (let i = 0; i < 300_000; i++)
      if (seen.firstLine(`lecteur${i}@example.org`, i + 2) !== undefined) falseRepeats++;
    expect(falseRepeats).toBe(0);
    for (const i of [0, 1, 4095, 4096, 150_000, 299_999])
      expect(seen.firstLine(`lecteur${i}@example.org`, 400_000)).toBe(i + 2);
    // Near misses are different addresses.
    expect(seen.firstLine('lecteur1@example.or', 400_001)).toBeUndefined();
    expect(seen.firstLine('lecteur1@example.org ', 400_002)).toBeUndefined();
  });
});
