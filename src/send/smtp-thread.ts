import { Worker } from 'node:worker_threads';
import type { OutgoingMessage } from './message.ts';
import { recycleRaw } from './raw-buffers.ts';
import { type DkimSettings, poolOptions } from './transport.ts';

/** What the send path needs of an SMTP transport: one message out, the relay's answer back. */
export interface SmtpSender {
  /**
   * Resolves with the relay's answer once it accepted; rejects with Nodemailer's error fields.
   * `message.raw`, when built in a reused block (raw-buffers.ts), is given back: not read after.
   */
  send(message: OutgoingMessage): Promise<{ response: string }>;
  /** Closes the pool's connections and stops the thread. */
  close(): Promise<void>;
}

/**
 * The V8 heap of the SMTP thread (MB): Nodemailer and the streams of the messages in flight; their
 * bytes live outside it (shared buffers). 12/4 against 24/8, alternately at 20,000 readers: the
 * same speed or better, 7 MB less resident (README, "End to end, as a sender waits").
 */
const THREAD_HEAP = { maxOldGenerationSizeMb: 12, maxYoungGenerationSizeMb: 4 };

interface Pending {
  resolve(v: { response: string }): void;
  reject(e: Error): void;
  bytes: SharedArrayBuffer;
}

/** Shared buffers kept for the next messages: more than SEND_IN_FLIGHT ever in use at once. */
const KEPT_BUFFERS = 64;

type Answer =
  | { id: number; response: string }
  | {
      id: number;
      error: { message: string; code?: string; responseCode?: number; response?: string; command?: string };
    }
  | { closed: true };

/**
 * One pooled Nodemailer transport per worker process, run in a thread of its own
 * (src/send/smtp-thread.mjs): the pool's per-message work uses the second core while the worker's
 * thread loads, builds and records. A thread that dies fails the messages it had (as a dropped
 * connection would: the breaker and the retries take them) and the next message starts a new one.
 */
export function smtpThread(opts: {
  url: string;
  poolSize: number;
  messagesPerConnection: number;
  dkim: DkimSettings | null;
  /** The thread's module; the tests give a stand-in. */
  entry?: URL;
}): SmtpSender {
  const options = poolOptions(opts);
  const here = import.meta.url;
  // From the sources (tests, tsx) the .mjs beside this file; in the worker bundle, its build beside.
  const entry = opts.entry ?? new URL(here.endsWith('.ts') ? './smtp-thread.mjs' : './smtp-thread.js', here);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let thread: Worker | null = null;
  let closing: Promise<void> | null = null;

  // The messages' bytes go through shared memory: each message is copied into a buffer the thread
  // reads in place, given back when the relay has answered. Transferring or cloning a fresh buffer
  // per message had one thread allocate what the other freed, and the C allocator's per-thread
  // arenas grew the process by some 30 MB (measured).
  const free: SharedArrayBuffer[] = [];
  const sharedCopy = (raw: Buffer): SharedArrayBuffer => {
    const i = free.findIndex((b) => b.byteLength >= raw.byteLength);
    const bytes =
      i >= 0
        ? (free.splice(i, 1)[0] as SharedArrayBuffer)
        : new SharedArrayBuffer(Math.max(65_536, 2 ** Math.ceil(Math.log2(raw.byteLength))));
    new Uint8Array(bytes, 0, raw.byteLength).set(raw);
    return bytes;
  };
  const settle = (id: number) => {
    const p = pending.get(id);
    if (!p) return undefined;
    pending.delete(id);
    if (free.length < KEPT_BUFFERS) free.push(p.bytes);
    return p;
  };
  const fail = (e: Error) => {
    for (const id of [...pending.keys()]) settle(id)?.reject(e);
  };
  const start = (): Worker => {
    const t = new Worker(entry, { workerData: options, resourceLimits: THREAD_HEAP });
    t.on('message', (a: Answer) => {
      if ('closed' in a) return;
      const p = settle(a.id);
      if (!p) return;
      if ('response' in a) p.resolve({ response: a.response });
      else p.reject(Object.assign(new Error(a.error.message), a.error));
    });
    t.on('error', (e) => {
      if (thread === t) thread = null;
      fail(Object.assign(new Error(`the SMTP thread stopped: ${e.message}`), { code: 'ECONNECTION' }));
    });
    t.on('exit', () => {
      if (thread === t) thread = null;
      fail(Object.assign(new Error('the SMTP thread stopped'), { code: 'ECONNECTION' }));
    });
    t.unref();
    return t;
  };

  // Started now rather than at the first message: the thread's start (about 0.13 s of loading
  // Nodemailer in a fresh isolate) overlaps the worker's own start instead of delaying the first
  // reader (README, "End to end, as a sender waits").
  thread = start();

  return {
    send(message) {
      if (closing)
        return Promise.reject(Object.assign(new Error('the SMTP pool is closed'), { code: 'ECONNECTION' }));
      thread ??= start();
      const id = nextId++;
      const bytes = sharedCopy(message.raw);
      // The thread has its copy: the block the worker built the message in serves the next one.
      recycleRaw(message.raw);
      const answer = new Promise<{ response: string }>((resolve, reject) =>
        pending.set(id, { resolve, reject, bytes }),
      );
      thread.postMessage({
        id,
        from: message.envelope.from,
        to: message.envelope.to,
        bytes,
        length: message.raw.byteLength,
        messageId: message.messageId,
      });
      return answer;
    },
    close() {
      closing ??= (async () => {
        const t = thread;
        if (!t) return;
        const closed = new Promise<void>((resolve) => {
          t.on('message', (a: Answer) => 'closed' in a && resolve());
          t.once('exit', () => resolve());
        });
        t.postMessage({ close: true });
        await closed;
        await t.terminate();
      })();
      return closing;
    },
  };
}
