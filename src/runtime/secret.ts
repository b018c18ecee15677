import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { requireUnsubscribeSecret } from '../config.ts';

/** The unsubscribe key; the demo alone may make one, kept in DATA_DIR so its links stay valid. */
export function unsubscribeSecret(cfg: Config, allowGenerated: boolean): string {
  if (cfg.unsubscribeSecret || !allowGenerated) return requireUnsubscribeSecret(cfg);
  const file = path.join(cfg.dataDir, 'demo-unsubscribe-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(cfg.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}
