/**
 * The addresses an import has already read, and on which line: so that a row repeating an address
 * given earlier in the same file is reported with both lines, whichever batch each fell in.
 *
 * A file of a million rows must not hold a million strings (about 100 MB more on an import that
 * peaks at 250 MB today), so each address is kept as a 64-bit fingerprint (two independent 32-bit
 * hashes) in an open-addressing table of typed arrays: 12 bytes a slot, at most half full, about
 * 24 MB at a million rows. Two different addresses share a fingerprint with a probability of about
 * n² / 2⁶⁵ (3 × 10⁻⁸ at a million rows); the cost of such a collision is one row wrongly reported
 * as a repeat — its data is still imported, merged as a repeat is.
 */
export class SeenAddresses {
  private h1 = new Uint32Array(1 << 12);
  private h2 = new Uint32Array(1 << 12);
  /** Line of the first occurrence; 0 marks an empty slot (CSV lines start at 1). */
  private lines = new Uint32Array(1 << 12);
  private size = 0;

  /** The line where `normalized` was first seen, or undefined (and it is recorded at `line`). */
  firstLine(normalized: string, line: number): number | undefined {
    const a = fnv1a(normalized);
    const b = djb2x(normalized);
    const mask = this.lines.length - 1;
    for (let i = (a ^ (b >>> 7)) & mask; ; i = (i + 1) & mask) {
      const at = this.lines[i] ?? 0;
      if (at === 0) {
        this.h1[i] = a;
        this.h2[i] = b;
        this.lines[i] = Math.max(1, line);
        if (++this.size * 2 > this.lines.length) this.grow();
        return undefined;
      }
      if (this.h1[i] === a && this.h2[i] === b) return at;
    }
  }

  private grow() {
    const { h1, h2, lines } = this;
    this.h1 = new Uint32Array(lines.length * 2);
    this.h2 = new Uint32Array(lines.length * 2);
    this.lines = new Uint32Array(lines.length * 2);
    const mask = this.lines.length - 1;
    for (let j = 0; j < lines.length; j++) {
      const line = lines[j] ?? 0;
      if (line === 0) continue;
      const a = h1[j] ?? 0;
      const b = h2[j] ?? 0;
      let i = (a ^ (b >>> 7)) & mask;
      while ((this.lines[i] ?? 0) !== 0) i = (i + 1) & mask;
      this.h1[i] = a;
      this.h2[i] = b;
      this.lines[i] = line;
    }
  }
}

/** FNV-1a over UTF-16 code units, finished with murmur3's mixer. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix(h);
}

/** Bernstein's hash (×33, xor), seeded differently and mixed: independent of fnv1a for our purpose. */
function djb2x(s: string): number {
  let h = 5381 ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h, 33) ^ s.charCodeAt(i);
  return fmix(h ^ 0x9e3779b9);
}

function fmix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
