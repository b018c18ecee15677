// The send worker as plain JavaScript. `numero worker` runs for days and is started N times, so it
// does not run through tsx's loader like the other commands: that loader is a second thread with its
// own V8 heap, and it keeps every transformed source, about 27 MB of a worker's resident memory
// (README, "Benchmarks → Sending"). Instead esbuild, the compiler tsx itself uses, bundles the
// worker's own sources (workers/send.ts and what it imports; packages stay imports of node_modules)
// at start, in about 0.1 s, into node_modules/.cache/numero/worker-HASH/, named by a hash of the
// output: a change to a source gives a new bundle, never a stale one, and processes starting
// together write the same files atomically. Lazily imported modules stay in their own chunks, so
// they still load only when used. No build step to remember, and nothing compiled is committed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'workers/send.ts');
export const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/numero');

/**
 * Bundles the worker (or another `entry`, for the tests) and returns the file URL of its entry
 * module, or throws with the reason (a source that does not compile, a cache directory that cannot
 * be written).
 */
export async function workerBundle({ entry = ENTRY, cacheDir = CACHE_DIR } = {}) {
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: { worker: entry },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outdir: path.join(cacheDir, 'out'),
      sourcemap: 'linked',
      sourcesContent: false,
      write: false,
      logLevel: 'silent',
    });
  } finally {
    await esbuild.stop();
  }
  const files = [...result.outputFiles].sort((a, b) => a.path.localeCompare(b.path));
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(path.basename(f.path)).update(f.contents);
  const dir = path.join(cacheDir, `worker-${hash.digest('hex').slice(0, 16)}`);
  if (!fs.existsSync(path.join(dir, 'worker.js'))) {
    // Written beside, then renamed into place: a process never imports half a bundle.
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(cacheDir, 'tmp-'));
    // The maps' paths to the sources stay true: out/ and worker-HASH/ are siblings.
    for (const f of files) fs.writeFileSync(path.join(tmp, path.basename(f.path)), f.contents);
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      // Another process put the same bundle there first.
      if (!fs.existsSync(path.join(dir, 'worker.js'))) throw e;
    }
    pruneOld(cacheDir, dir);
  }
  return pathToFileURL(path.join(dir, 'worker.js')).href;
}

/** Keeps the cache to the newest few bundles (a running worker keeps its modules in memory). */
function pruneOld(cacheDir, keep) {
  const old = fs
    .readdirSync(cacheDir)
    .filter((n) => n.startsWith('worker-') && path.join(cacheDir, n) !== keep)
    .map((n) => ({ n, t: fs.statSync(path.join(cacheDir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .slice(4);
  for (const { n } of old) fs.rmSync(path.join(cacheDir, n), { recursive: true, force: true });
}
