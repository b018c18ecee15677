/**
 * The messages a worker process has in flight at once, all its jobs together: built, handed to SMTP
 * and not yet recorded. A message is built only when a slot is free, so a handful of messages live
 * at a time (they die young, which the garbage collector likes, instead of queueing in the
 * transport), and a crash can re-send at most this many.
 */
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
