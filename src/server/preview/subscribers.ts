import { previewSubscribers } from '../../store/audience.ts';
import type { Store } from '../../store/db.ts';
import type { PreviewReader } from './app.ts';

/** Real subscribers as preview readers: `subscriber-ID`, name split into first and last. */
export function subscriberReaders(store: Store): () => Promise<PreviewReader[]> {
  return async () =>
    (await previewSubscribers(store.db)).map((s) => {
      const [first, ...rest] = (s.name ?? '').trim().split(/\s+/);
      return {
        id: `subscriber-${s.id}`,
        email: s.email,
        firstName: first || undefined,
        lastName: rest.join(' ') || undefined,
        attributes: JSON.parse(s.attributes) as Record<string, unknown>,
      };
    });
}
