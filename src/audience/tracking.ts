import { NumeroError } from '../errors.ts';

/** What a list measures of its readers: nothing by default (README, "Engagement and privacy"). */
export interface Tracking {
  /** Clicks counted per link; `per-reader` also keeps who clicked, for TRACKING_RETENTION_DAYS. */
  clicks: 'off' | 'aggregate' | 'per-reader';
  /** The 1×1 image: an estimate of opens, never used to decide anything about a reader. */
  opens: boolean;
}

export const NO_TRACKING: Tracking = { clicks: 'off', opens: false };
const WORDS = ['clicks', 'clicks-per-reader', 'opens'] as const;

/** The stored form ('' or `clicks,opens`…) or what `lists set --tracking` was given (`off` too). */
export function parseTracking(value: string, field = 'tracking'): Tracking {
  const words = value
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w && w !== 'off' && w !== 'none');
  for (const w of words)
    if (!(WORDS as readonly string[]).includes(w))
      throw new NumeroError(
        'USAGE',
        `${field}: "${w}" is not a kind of tracking (off, or a comma list of ${WORDS.join(', ')})`,
      );
  if (words.includes('clicks') && words.includes('clicks-per-reader'))
    throw new NumeroError('USAGE', `${field}: clicks or clicks-per-reader, not both`);
  return {
    clicks: words.includes('clicks-per-reader')
      ? 'per-reader'
      : words.includes('clicks')
        ? 'aggregate'
        : 'off',
    opens: words.includes('opens'),
  };
}

/** The stored form: '' when nothing is tracked. */
export function formatTracking(t: Tracking): string {
  return [
    t.clicks === 'aggregate' ? 'clicks' : t.clicks === 'per-reader' ? 'clicks-per-reader' : '',
    t.opens ? 'opens' : '',
  ]
    .filter(Boolean)
    .join(',');
}

export const isTracked = (t: Tracking): boolean => t.clicks !== 'off' || t.opens;
