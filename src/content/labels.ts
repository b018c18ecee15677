/** The words numero itself adds around an issue, per language (the editor writes everything else). */
export interface Labels {
  numero: (n: number) => string;
  aside: string;
  conclusion: string;
  related: string;
  /** The heading of the footnotes, at the end of the issue. */
  notes: string;
  viewInBrowser: string;
  /** The reader's preferences page: their lists, their name. */
  preferences: string;
  unsubscribe: string;
  why: string;
  by: string;
  /** Used for {{firstName}} when a reader has none. */
  fallbackName: string;
}

const fr: Labels = {
  numero: (n) => `Numéro ${n}`,
  aside: 'Le saviez-vous\u202F?',
  conclusion: 'Conclusion',
  related: 'À lire aussi',
  notes: 'Notes',
  viewInBrowser: 'Voir dans le navigateur',
  preferences: 'Gérer mon abonnement',
  unsubscribe: 'Se désabonner',
  why: 'Vous recevez cette lettre parce que vous y êtes abonné(e).',
  by: 'Par',
  fallbackName: 'chère lectrice, cher lecteur',
};

const en: Labels = {
  numero: (n) => `Issue ${n}`,
  aside: 'Did you know?',
  conclusion: 'In short',
  related: 'Further reading',
  notes: 'Notes',
  viewInBrowser: 'View in your browser',
  preferences: 'Manage my subscription',
  unsubscribe: 'Unsubscribe',
  why: 'You are receiving this letter because you subscribed to it.',
  by: 'By',
  fallbackName: 'reader',
};

export function labelsFor(lang: string): Labels {
  return lang.startsWith('fr') ? fr : en;
}

export function formatDate(isoDate: string, lang: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${isoDate}T00:00:00Z`),
  );
}
