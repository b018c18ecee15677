/**
 * Process entry point of a send worker: `node --import tsx workers/send.ts`, the same as
 * `numero worker`. The worker itself lives in src/send/worker.ts; its process wiring (embedded
 * Redis and SMTP capture, metrics port, signals) in src/runtime/.
 */
import { loadConfig } from '../src/config.ts';
import { NumeroError } from '../src/errors.ts';
import { runWorkerProcess } from '../src/runtime/worker-process.ts';

try {
  await runWorkerProcess(loadConfig());
} catch (e) {
  console.error(e instanceof NumeroError ? e.message : e);
  // Said why; nothing it had opened keeps the process waiting.
  process.exit(e instanceof NumeroError ? 1 : 2);
}
