import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { realFileInside } from '../content/load.ts';

/** The folders and public address the servers read issues from. */
export interface Workspace {
  issuesDir: string;
  templatesDir: string;
  publicUrl: string;
}

/**
 * A file next to the issues (an image), or null when the path leaves the folder, is not a media
 * file, or is a symlink whose target lies outside the folder (`x.png -> /proc/self/environ`).
 */
export function issueAsset(ws: Workspace, relPath: string): { file: string; type: string } | null {
  const types: Record<string, string> = {
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.gif': 'image/gif',
    '.webp': 'image/webp',
    '.svg': 'image/svg+xml',
    '.pdf': 'application/pdf',
  };
  const root = path.resolve(ws.issuesDir);
  const file = path.resolve(root, relPath);
  const type = types[path.extname(file).toLowerCase()];
  if (!type || !file.startsWith(root + path.sep)) return null;
  const real = realFileInside(root, file);
  return real ? { file: real, type } : null;
}

/** The files next to the issues (images), for the preview and the public server alike. */
export function issueFilesRoutes(ws: Workspace): Hono {
  const app = new Hono();

  app.get('/issues/files/*', (c) => {
    let rel: string;
    try {
      rel = decodeURIComponent(c.req.path.slice('/issues/files/'.length));
    } catch {
      return c.text('Not found', 404); // a malformed % escape names no file
    }
    const asset = issueAsset(ws, rel);
    if (!asset) return c.text('Not found', 404);
    return c.body(fs.readFileSync(asset.file), 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      // A file is shown, never run: an SVG with a script in it cannot act on this origin.
      'Content-Security-Policy':
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
    });
  });

  return app;
}
