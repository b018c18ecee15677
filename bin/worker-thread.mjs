// `numero worker` sets its own V8 heap limits, whoever launches it (the README's command, docker
// compose, a systemd unit): the worker runs in a worker thread created with resourceLimits, the
// same limits the production flags `--max-old-space-size=64 --max-semi-space-size=4` gave when a
// launcher remembered them. Without them V8 sizes its young generation for throughput and the
// worker's resident memory climbs past 150 MB (198 MB measured, README "Benchmarks → Sending").
// Flags cannot be changed once a process runs (v8.setFlagsFromString leaves the heap as sized), and a
// second process would cost its own 40 MB; a thread costs about 10 MB and keeps one PID.
//
// The main thread only relays: SIGTERM or SIGINT is passed to the worker, which drains and exits
// (a second one stops the process at once, as without the thread), and the worker's exit code
// becomes the process's. Its stderr (the log) is the process's stderr.
import { SHARE_ENV, Worker } from 'node:worker_threads';

/** V8 limits of the send worker's heap (MB): old space 64, young generation 12 (semi-spaces of 4). */
export const WORKER_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 12 };

/** Node flags, given on the command line or in NODE_OPTIONS, that say the launcher sized the heap. */
export function heapSizedByLauncher(
  execArgv = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
) {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((f) =>
    /^--max-(old|semi)-space-size=|^--max-young-generation-size/.test(f),
  );
}

/** Runs the worker module `entry` (a file URL) in a thread with WORKER_HEAP; the process ends with it. */
export function runInThread(entry) {
  const thread = new Worker(new URL(entry), { env: SHARE_ENV, resourceLimits: WORKER_HEAP });
  let relayed = false;
  const relay = (signal) => {
    if (relayed) {
      // The second signal: stop now, the way Node's default handler would.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    relayed = true;
    thread.postMessage({ numeroSignal: signal });
  };
  process.on('SIGTERM', () => relay('SIGTERM'));
  process.on('SIGINT', () => relay('SIGINT'));
  let failed = false;
  thread.on('error', (e) => {
    failed = true;
    console.error(e?.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `numero worker: ${e.message}` : e);
  });
  thread.on('exit', (code) => process.exit(failed && code === 0 ? 2 : code));
}
