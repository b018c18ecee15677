import { NumeroError } from '../errors.ts';
import type { Reader, ReaderLinks } from './personalize.ts';

/** Readers used by `numero render` and the preview when there is no subscriber store. */
export const SAMPLE_READERS: ReadonlyArray<Reader & { id: string }> = [
  {
    id: 'aigerim',
    email: 'aigerim.nurlanovna@example.kz',
    firstName: 'Aigerim',
    lastName: 'Nurlanovna',
    attributes: { city: 'Almaty' },
  },
  {
    id: 'claire',
    email: 'claire.dubois@example.be',
    firstName: 'Claire',
    lastName: 'Dubois',
    attributes: { city: 'Bruxelles' },
  },
  { id: 'anonymous', email: 'lecteur@example.org' },
];

export function sampleReader(id = 'aigerim'): Reader & { id: string } {
  const reader = SAMPLE_READERS.find((r) => r.id === id);
  if (!reader)
    throw new NumeroError(
      'USAGE',
      `no sample reader "${id}" (known: ${SAMPLE_READERS.map((r) => r.id).join(', ')})`,
    );
  return reader;
}

/** The public web version of an issue, where `{{browserUrl}}` points. */
export function webVersionUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/issues/${encodeURIComponent(slug)}`;
}

/** Links for a reader outside a real campaign: the public web version and a sample unsubscribe page. */
export function sampleLinks(publicUrl: string, slug: string): ReaderLinks {
  return {
    browserUrl: webVersionUrl(publicUrl, slug),
    unsubscribeUrl: `${publicUrl}/unsubscribe/sample`,
    preferencesUrl: `${publicUrl}/preferences/sample`,
  };
}
