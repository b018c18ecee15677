import { isMainThread, parentPort } from 'node:worker_threads';

/**
 * Resolves with the signal's name on the first SIGTERM or SIGINT (a graceful stop). In the worker
 * thread `numero worker` runs in (bin/worker-thread.mjs), signals reach the main thread, which
 * passes them on as a message.
 */
export function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.removeListener('SIGTERM', onTerm);
      process.removeListener('SIGINT', onInt);
      parentPort?.removeListener('message', onMessage);
      resolve(signal);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onMessage = (m: unknown) => {
      const signal = (m as { numeroSignal?: unknown } | null)?.numeroSignal;
      if (signal === 'SIGTERM' || signal === 'SIGINT') stop(signal);
    };
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    if (!isMainThread && parentPort) {
      parentPort.on('message', onMessage);
      // Listening must not keep the thread alive by itself, any more than a signal handler does.
      parentPort.unref();
    }
  });
}
