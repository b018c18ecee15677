/** What the benchmarks that run `numero serve` in its own process share. */

/** Resolves once `url` answers at all (the server is listening). */
export async function waitForHttp(url: string): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The `p` quantile (0–1) of ascending `sorted`. */
export const pct = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
