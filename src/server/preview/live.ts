import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

export interface Change {
  version: number;
  file: string;
}

/**
 * Watches the issues and templates folders and tells every open preview page what changed.
 * Editors save in bursts (write, rename, touch): changes within 50 ms make one notification.
 */
export class LiveReload {
  private readonly listeners = new Set<(c: Change) => void>();
  private readonly watcher: FSWatcher;
  private timer: NodeJS.Timeout | undefined;
  private lastFile = '';
  version = 0;

  constructor(dirs: readonly string[]) {
    this.watcher = watch([...dirs], {
      ignoreInitial: true,
      ignored: (p) => path.basename(p).startsWith('.') || path.basename(p) === 'node_modules',
      // Never out of the folders: a link to `/` in issues/ once made the watcher walk the whole disk
      // (1.9 GB). Links are not followed, and issues keep their files a few folders deep at most.
      followSymlinks: false,
      depth: 3,
    });
    this.watcher.on('all', (_event, file) => this.changed(file));
    // A symlink loop or an unreadable file in the folder is not the preview's end: keep watching.
    this.watcher.on('error', () => {});
  }

  /** Resolves once the watcher is watching, so no save is missed after start. */
  ready(): Promise<void> {
    return new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  /** The folders being watched and their entries (what the tests check stays small). */
  watched(): Record<string, string[]> {
    return this.watcher.getWatched();
  }

  subscribe(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(file: string): void {
    this.lastFile = file;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.version++;
      const change = { version: this.version, file: this.lastFile };
      for (const l of this.listeners) l(change);
    }, 50);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.listeners.clear();
    await this.watcher.close();
  }
}
