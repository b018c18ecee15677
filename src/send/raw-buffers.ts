/**
 * The memory messages are built in, reused. A worker builds a 35 KB message for each reader; with a
 * fresh buffer each time, the C allocator's arenas fragment as they are freed by the garbage
 * collector in whatever order, and the worker's resident memory creeps up through a long send. A
 * message's bytes are needed only until the SMTP thread has its copy (src/send/smtp-thread.ts), which
 * gives the buffer back here: a few dozen buffers serve a whole campaign.
 */
const free: ArrayBuffer[] = [];
const ours = new WeakSet<ArrayBuffer>();
/** More than SEND_IN_FLIGHT are never out at once; a few spare for the odd larger message. */
const KEPT = 64;

/** A buffer of exactly `size` bytes, from a reused block when one is free. */
export function rawBuffer(size: number): Buffer {
  const i = free.findIndex((b) => b.byteLength >= size);
  let block = i >= 0 ? free.splice(i, 1)[0] : undefined;
  if (!block) {
    block = new ArrayBuffer(Math.max(65_536, 2 ** Math.ceil(Math.log2(size))));
    ours.add(block);
  }
  return Buffer.from(block, 0, size);
}

/** Gives `raw`'s block back (when it came from rawBuffer): its bytes must not be read again. */
export function recycleRaw(raw: Buffer): void {
  const block = raw.buffer;
  if (block instanceof ArrayBuffer && ours.has(block) && free.length < KEPT && !free.includes(block))
    free.push(block);
}
