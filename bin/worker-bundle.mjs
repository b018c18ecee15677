// The send worker as plain JavaScript, in one bundle with the packages it uses. `numero worker` runs
// for days and is started N times, so it does not run through tsx's loader like the other commands:
// that loader is a second thread with its own V8 heap, and it keeps every transformed source, about
// 27 MB of a worker's resident memory (README, "Benchmarks → Sending"). Instead esbuild, the compiler
// tsx itself uses, bundles workers/send.ts, what it imports and the packages they use (native addons
// aside) into dist/worker/worker-HASH/, named by a hash of the output. The build step: `npm ci` runs
// it (the prepare script), `npm run build` and the Dockerfile too; `numero worker` uses that build,
// and when a source changed since, it says which and builds again (about 0.2 s) — never a stale
// bundle, never a silent fallback. Processes starting together write the same files atomically.
// Lazily imported modules stay in their own chunks, so they still load only when used. Nothing
// compiled is committed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'workers/send.ts');
/** The worker's SMTP thread (src/send/smtp-thread.ts starts it), built beside worker.js. */
const SMTP_THREAD = path.join(ROOT, 'src/send/smtp-thread.mjs');
export const CACHE_DIR = path.join(ROOT, 'dist/worker');
/** This file's own fingerprint: a change to how the bundle is built makes a new bundle. */
const BUILDER = sha256(fs.readFileSync(fileURLToPath(import.meta.url)));

/**
 * Bundles the worker (or another `entry`, for the tests) and returns the file URL of its entry
 * module, or throws with the reason (a source that does not compile, a cache directory that cannot
 * be written).
 */
export async function workerBundle({ entry = ENTRY, cacheDir = CACHE_DIR, log = false } = {}) {
  // The sources the last bundle was built from, each with a hash of its content: when none changed,
  // the bundle is used as it is, without starting esbuild (about 0.2 s of a worker's start here).
  // Contents, not modification times: two saves within one clock tick keep the same mtime.
  const manifest = path.join(cacheDir, `sources-${sha256(entry).slice(0, 12)}.json`);
  const known = readManifest(manifest);
  const stale =
    known?.builder === BUILDER && fs.existsSync(path.join(known.bundle, 'worker.js'))
      ? changedSource(known.sources)
      : 'no build yet, or numero’s build script changed';
  if (stale === null) return pathToFileURL(path.join(known.bundle, 'worker.js')).href;
  if (known && log) console.error(`numero worker: building dist/worker again: ${stale}`);
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: { worker: entry, 'smtp-thread': SMTP_THREAD },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Packages are bundled too: one file loads in about 0.4 s where Node's resolution of some 600
      // module files took 0.7 (a worker's start, measured here). Native addons stay outside, found
      // from the bundle's place in node_modules/.cache by Node's usual lookup.
      external: ['better-sqlite3', 'pg-native', 'msgpackr-extract'],
      // CommonJS packages inside an ES module: a require for Node's built-ins, and the file names
      // some of them read (ioredis trims its stack traces by __dirname).
      banner: {
        js: [
          "import { createRequire as __numeroRequire } from 'node:module';",
          "import { fileURLToPath as __numeroPath } from 'node:url';",
          'const require = __numeroRequire(import.meta.url);',
          'const __filename = __numeroPath(import.meta.url);',
          "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
        ].join(' '),
      },
      outdir: path.join(cacheDir, 'out'),
      // Blanks and redundant syntax out (4.6 → 3.1 MB): V8 parses the bundle at every start, and
      // this took about 50 ms off it (measured). Names are kept, so stack traces still read.
      minifyWhitespace: true,
      minifySyntax: true,
      sourcemap: 'linked',
      sourcesContent: false,
      write: false,
      metafile: true,
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
  const sources = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = path.resolve(input);
    if (fs.existsSync(file)) sources[file] = fingerprint(file);
  }
  const tmp = `${manifest}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ builder: BUILDER, bundle: dir, sources }));
  fs.renameSync(tmp, manifest);
  return pathToFileURL(path.join(dir, 'worker.js')).href;
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * What says a file changed: its content's hash for numero's own sources (two saves within one clock
 * tick keep the same modification time); size and modification time for installed packages, which
 * npm writes anew (hashing their 5 MB at every start would cost more than it saves).
 */
function fingerprint(file) {
  if (file.includes(`${path.sep}node_modules${path.sep}`)) {
    const st = fs.statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  }
  return sha256(fs.readFileSync(file));
}

function readManifest(file) {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof m?.bundle === 'string' && m.sources && typeof m.sources === 'object' ? m : null;
  } catch {
    return null;
  }
}

/** The first source that changed since the build, as a phrase; null when none did. */
function changedSource(sources) {
  const files = Object.keys(sources);
  if (!files.length) return 'the last build lists no sources';
  for (const f of files) {
    try {
      if (fingerprint(f) !== sources[f]) return `${path.relative(ROOT, f)} changed`;
    } catch {
      return `${path.relative(ROOT, f)} is gone`;
    }
  }
  return null;
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

// `node bin/worker-bundle.mjs` (npm's prepare script, the Dockerfile): build it now, so that the
// first `numero worker` starts without esbuild.
export async function buildNow() {
  try {
    console.log(`numero worker bundle: ${fileURLToPath(await workerBundle())}`);
  } catch (e) {
    console.error(
      `numero worker bundle not built now (numero worker builds it when it starts): ${e.message}`,
    );
  }
}
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await buildNow();
