import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveReload } from '../../src/server/preview/live.ts';

let live: LiveReload | undefined;
let dir = '';
afterEach(async () => {
  await live?.close();
  live = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the preview’s watcher stays inside issues/ and templates/', () => {
  it('does not follow a link to / in issues/, and still sees a saved issue', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-live-'));
    const issues = path.join(dir, 'issues');
    fs.mkdirSync(issues);
    fs.writeFileSync(path.join(issues, 'a.md'), 'x');
    fs.symlinkSync('/', path.join(issues, 'root'));
    fs.symlinkSync(path.join(dir, 'issues'), path.join(issues, 'loop'));
    live = new LiveReload([issues]);
    await live.ready();
    const watched = Object.keys(live.watched()).length;
    expect(watched).toBeLessThan(10); // the folder itself, not the disk behind the links
    const seen = new Promise<string>((resolve) => live?.subscribe((c) => resolve(c.file)));
    fs.writeFileSync(path.join(issues, 'a.md'), 'y');
    expect(path.basename(await seen)).toBe('a.md');
  });
});
