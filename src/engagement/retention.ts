import type { Db } from '../store/audience.ts';
import { detachEngagement } from '../store/engagement.ts';

/**
 * TRACKING_RETENTION_DAYS: clicks and opens older than that are cut from their readers (see
 * detachEngagement). `numero serve` runs it at start and every hour.
 */
export function reduceOldEngagement(db: Db, days: number, now = Date.now()): Promise<number> {
  return detachEngagement(db, { before: new Date(now - days * 86_400_000).toISOString() });
}
