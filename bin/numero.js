#!/usr/bin/env node
// numero's command line. The sources are TypeScript (and templates may be .tsx), run through tsx's
// loader so there is no build step between editing a template and using it. `numero worker` alone
// runs as plain JavaScript, bundled from the same sources at start (see worker-bundle.mjs).
if (process.argv[2] === 'worker' && process.argv.length === 3 && process.env.NUMERO_WORKER_TSX !== '1') {
  const { workerBundle } = await import('./worker-bundle.mjs');
  const entry = await workerBundle().catch((e) => {
    console.error(`numero worker: running through tsx instead of a bundle: ${e.message}`);
    return null;
  });
  // Stack traces name the bundle's lines, which keep each source's name and code; with
  // NODE_OPTIONS=--enable-source-maps they name the TypeScript sources (at the cost of some memory).
  if (!entry) await viaTsx();
  else {
    const { heapSizedByLauncher, runInThread } = await import('./worker-thread.mjs');
    // numero sizes the worker's heap itself (worker-thread.mjs), unless the launcher gave V8 flags.
    if (heapSizedByLauncher()) await import(entry);
    else runInThread(entry);
  }
} else await viaTsx();

async function viaTsx() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
