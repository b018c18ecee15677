import { nameParts } from '../../audience/names.ts';
import { previewSubscribers } from '../../store/audience.ts';
import type { Store } from '../../store/db.ts';
import type { PreviewReader } from './render-issue.ts';

/** Real subscribers as preview readers: `subscriber-ID`, name split into first and last as a send splits it. */
export function subscriberReaders(store: Store): () => Promise<PreviewReader[]> {
  return async () =>
    (await previewSubscribers(store.db)).map((s) => {
      const attributes = JSON.parse(s.attributes) as Record<string, unknown>;
      return { id: `subscriber-${s.id}`, email: s.email, ...nameParts(s.name, attributes), attributes };
    });
}
