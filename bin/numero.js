#!/usr/bin/env node
// numero's command line. The sources are TypeScript (and templates may be .tsx), run through tsx's
// loader so there is no build step between editing a template and using it. `numero worker` alone
// runs as plain JavaScript, bundled into dist/worker by `npm ci` (the prepare script) or
// `npm run build`, and rebuilt at start when a source changed since (see worker-bundle.mjs).
if (process.argv[2] === 'worker' && process.argv.length === 3 && process.env.NUMERO_WORKER_TSX !== '1') {
  const { workerBundle } = await import('./worker-bundle.mjs');
  // No silent fallback: a bundle that cannot be built stops the worker with the reason (a source
  // that does not compile, dist/ not writable); NUMERO_WORKER_TSX=1 runs the sources on purpose.
  const entry = await workerBundle({ log: true }).catch((e) => {
    console.error(
      `numero worker: the worker cannot be built into dist/worker: ${e.message}\n(run npm run build to see it again; NUMERO_WORKER_TSX=1 runs the TypeScript sources instead)`,
    );
    process.exit(1);
  });
  // Stack traces name the bundle's lines, which keep each source's name and code; with
  // NODE_OPTIONS=--enable-source-maps they name the TypeScript sources (at the cost of some memory).
  const { heapSizedByLauncher, runInThread } = await import('./worker-thread.mjs');
  // numero sizes the worker's heap itself (worker-thread.mjs), unless the launcher gave V8 flags.
  if (heapSizedByLauncher()) await import(entry);
  else runInThread(entry);
} else await viaTsx();

async function viaTsx() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
