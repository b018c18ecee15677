import { NumeroError } from '../errors.ts';
import type { MembershipStatus } from '../store/schema.ts';
import { STATUS_COLUMNS, statusOf, unescapeFormula } from './csv-cells.ts';

/**
 * The export formats of the tools newsletters come from, recognised by their header row, each
 * mapped to numero's reader: address, name, attributes, standing on the list (and, for the tools
 * that keep one, a suppression). Columns that only mean something inside the old tool (ratings,
 * internal ids, geo-IP guesses) are dropped; the others become attributes, as written.
 * The README's import table documents each mapping.
 */

export interface ReaderCells {
  /** The address cell as written (may be `Name <address>`). */
  email: string;
  name: string;
  attributes: Record<string, string>;
  status: MembershipStatus;
  /** A do-not-mail list entry in the old tool: suppressed here too, with this reason. */
  suppress?: string;
}

export type RowReader = (cells: string[]) => ReaderCells | { reject: string };

export interface SourceFormat {
  name: string;
  /** What the README calls it. */
  label: string;
  detect(header: string[]): boolean;
  compile(header: string[], file: string): RowReader;
}

export const FORMAT_NAMES = [
  'numero',
  'mailchimp',
  'substack',
  'beehiiv',
  'ghost',
  'listmonk',
  'brevo',
] as const;

const lower = (h: string[]) => h.map((c) => c.trim().toLowerCase());
const has = (header: string[], ...names: string[]) => {
  const l = lower(header);
  return names.every((n) => l.includes(n));
};
const hasAny = (header: string[], ...names: string[]) => {
  const l = lower(header);
  return names.some((n) => l.includes(n));
};

const TRUE = new Set(['true', 'yes', 'oui', '1', 'y', 't']);
const isTrue = (v: string | undefined) => TRUE.has((v ?? '').trim().toLowerCase());

/** Index of the first column whose lower-cased name is one of `names`, or -1. */
function indexOf(header: string[], ...names: string[]): number {
  const l = lower(header);
  for (const n of names) {
    const i = l.indexOf(n);
    if (i >= 0) return i;
  }
  return -1;
}

function requireColumn(header: string[], file: string, format: string, ...names: string[]): number {
  const i = indexOf(header, ...names);
  if (i < 0) {
    throw new NumeroError(
      'USAGE',
      `${file}:1: header: no "${names[0]}" column${format === 'numero' ? '' : ` (expected in a ${format} export)`} (found: ${header.join(', ').slice(0, 300) || 'nothing'})`,
    );
  }
  return i;
}

/**
 * Builds a reader from: the address column, the name columns (joined with a space), a status
 * function, and the set of columns that are not attributes.
 */
function reader(
  header: string[],
  o: {
    email: number;
    name: number[];
    /**
     * The first-name column when the name comes from separate first and last names: the first name
     * is kept as the attribute `first_name` (empty too), so that a reader with only a last name is
     * not greeted by it («Bonjour Peeters») and a first name of two words stays whole.
     */
    first?: number;
    drop: ReadonlySet<string>;
    status: (cells: string[]) => { status: MembershipStatus; suppress?: string } | { reject: string };
    attributes?: (cells: string[]) => { attributes: Record<string, string> } | { reject: string };
  },
): RowReader {
  const used = new Set([o.email, ...o.name]);
  const attrColumns = header
    .map((h, i) => [h.trim(), i] as const)
    .filter(([h, i]) => h !== '' && !used.has(i) && !o.drop.has(h.toLowerCase()));
  return (cells) => {
    const standing = o.status(cells);
    if ('reject' in standing) return standing;
    // Entries, not assignments: a column named __proto__ is data, never the object's prototype.
    const entries: Array<[string, string]> = [];
    for (const [h, i] of attrColumns) {
      const v = cells[i];
      // An empty first_name is kept: it says "no first name" (see `first` above), and an export of
      // numero's carries it so.
      if (v !== undefined && (v !== '' || h === 'first_name')) entries.push([h, unescapeFormula(v)]);
    }
    let attributes: Record<string, string> = Object.fromEntries(entries);
    if (o.first !== undefined && o.first >= 0 && o.name.length > 1)
      attributes = { ...attributes, first_name: unescapeFormula((cells[o.first] ?? '').trim()) };
    if (o.attributes) {
      const extra = o.attributes(cells);
      if ('reject' in extra) return extra;
      attributes = { ...attributes, ...extra.attributes };
    }
    return {
      email: cells[o.email] ?? '',
      name: unescapeFormula(
        o.name
          .map((i) => cells[i] ?? '')
          .filter(Boolean)
          .join(' '),
      ),
      attributes,
      ...standing,
    };
  };
}

const NO_NAME: number[] = [];

/** numero's own export, and any spreadsheet with an `email` column. */
const numero: SourceFormat = {
  name: 'numero',
  label: 'numero, or any CSV with an email column',
  detect: () => true,
  compile(header, file) {
    const email = requireColumn(header, file, 'numero', 'email', 'e-mail', 'email address', 'courriel');
    const name = indexOf(header, 'name', 'nom complet');
    const first = indexOf(header, 'first_name', 'first name', 'prénom', 'prenom');
    const last = indexOf(header, 'last_name', 'last name', 'nom');
    const status = indexOf(header, 'status');
    const names = name >= 0 ? [name] : [first, last].filter((i) => i >= 0);
    return reader(header, {
      email,
      name: names,
      first: name >= 0 ? -1 : first,
      drop: new Set(STATUS_COLUMNS),
      status: (cells) => {
        const s = statusOf(status >= 0 ? cells[status] : '');
        return s
          ? { status: s }
          : {
              reject: `status "${String(cells[status]).slice(0, 40)}": expected active, unsubscribed, bounced or complained`,
            };
      },
    });
  },
};

/**
 * Mailchimp's audience export: a zip of subscribed, unsubscribed and cleaned files with the same
 * merge-field columns; the last two add UNSUB_* or CLEAN_* columns, which tell the file apart.
 */
const MAILCHIMP_SYSTEM = new Set(
  [
    'MEMBER_RATING',
    'OPTIN_TIME',
    'OPTIN_IP',
    'CONFIRM_TIME',
    'CONFIRM_IP',
    'LATITUDE',
    'LONGITUDE',
    'GMTOFF',
    'DSTOFF',
    'TIMEZONE',
    'CC',
    'REGION',
    'LAST_CHANGED',
    'LEID',
    'EUID',
    'UNSUB_TIME',
    'UNSUB_CAMPAIGN_TITLE',
    'UNSUB_CAMPAIGN_ID',
    'UNSUB_REASON',
    'UNSUB_REASON_OTHER',
    'CLEAN_TIME',
    'CLEAN_CAMPAIGN_TITLE',
    'CLEAN_CAMPAIGN_ID',
  ].map((c) => c.toLowerCase()),
);
const mailchimp: SourceFormat = {
  name: 'mailchimp',
  label: 'Mailchimp audience export (subscribed, unsubscribed and cleaned files)',
  detect: (h) => has(h, 'email address') && hasAny(h, 'leid', 'euid', 'member_rating', 'optin_time'),
  compile(header, file) {
    const email = requireColumn(header, file, 'mailchimp', 'email address');
    const name = [indexOf(header, 'first name'), indexOf(header, 'last name')].filter((i) => i >= 0);
    const standing: { status: MembershipStatus } = has(header, 'clean_time')
      ? { status: 'bounced' }
      : has(header, 'unsub_time')
        ? { status: 'unsubscribed' }
        : { status: 'active' };
    return reader(header, {
      email,
      name,
      first: indexOf(header, 'first name'),
      drop: MAILCHIMP_SYSTEM,
      status: () => standing,
    });
  },
};

/** Substack's subscriber export (`email_list.*.csv`): email_disabled means the reader stopped emails. */
const substack: SourceFormat = {
  name: 'substack',
  label: 'Substack subscribers export',
  detect: (h) => has(h, 'email') && hasAny(h, 'email_disabled', 'active_subscription'),
  compile(header, file) {
    const email = requireColumn(header, file, 'substack', 'email');
    const name = indexOf(header, 'name');
    const disabled = indexOf(header, 'email_disabled');
    const explicit = explicitStatus(header);
    return reader(header, {
      email,
      name: name >= 0 ? [name] : NO_NAME,
      drop: new Set(['email_disabled', 'created_at', 'first_payment_at', ...STATUS_COLUMNS]),
      status: (cells) => ({
        status: explicit(cells) ?? (disabled >= 0 && isTrue(cells[disabled]) ? 'unsubscribed' : 'active'),
      }),
    });
  },
};

/** beehiiv's subscriber export: `status` active, inactive (unsubscribed), or not yet confirmed. */
const BEEHIIV_STATUS: Record<string, { status: MembershipStatus } | { reject: string }> = {
  active: { status: 'active' },
  inactive: { status: 'unsubscribed' },
  unsubscribed: { status: 'unsubscribed' },
  invalid: { status: 'bounced' },
  bounced: { status: 'bounced' },
  complained: { status: 'complained' },
  spam: { status: 'complained' },
  pending: { reject: 'beehiiv status pending: the reader never confirmed, not imported' },
  validating: { reject: 'beehiiv status validating: the address was never validated, not imported' },
  needs_attention: { reject: 'beehiiv status needs_attention: check this reader in beehiiv, not imported' },
};
const beehiiv: SourceFormat = {
  name: 'beehiiv',
  label: 'beehiiv subscribers export',
  // `email` and `status` are in every beehiiv export; the tier column, the created date or a UTM
  // or referral column tells it from a generic file (one of them is always there).
  detect: (h) =>
    has(h, 'email', 'status') &&
    hasAny(
      h,
      'tier',
      'subscription_tier',
      'subscription_premium_tier_names',
      'unsubscribed_at',
      'utm_source',
      'utm_medium',
      'utm_channel',
      'utm_campaign',
      'referring_site',
      'referral_code',
    ),
  compile(header, file) {
    const email = requireColumn(header, file, 'beehiiv', 'email');
    const status = requireColumn(header, file, 'beehiiv', 'status');
    const name = [indexOf(header, 'first_name'), indexOf(header, 'last_name')].filter((i) => i >= 0);
    const unsubscribedAt = indexOf(header, 'unsubscribed_at');
    return reader(header, {
      email,
      name,
      first: indexOf(header, 'first_name'),
      drop: new Set(['status', 'created', 'created_at', 'unsubscribed_at']),
      status: (cells) => {
        const v = (cells[status] ?? '').trim().toLowerCase();
        const known = Object.hasOwn(BEEHIIV_STATUS, v) ? BEEHIIV_STATUS[v] : undefined;
        // A reader with a date of unsubscription left, whatever the status column still says.
        if (
          unsubscribedAt >= 0 &&
          (cells[unsubscribedAt] ?? '').trim() &&
          (!known || ('status' in known && known.status === 'active'))
        )
          return { status: 'unsubscribed' };
        return known ?? { reject: `beehiiv status "${v.slice(0, 40)}": not known, not imported` };
      },
    });
  },
};

/** Ghost's members export: subscribed_to_emails false (or a deleted member) is an unsubscribe. */
const ghost: SourceFormat = {
  name: 'ghost',
  label: 'Ghost members export',
  detect: (h) => has(h, 'email', 'subscribed_to_emails'),
  compile(header, file) {
    const email = requireColumn(header, file, 'ghost', 'email');
    const subscribed = requireColumn(header, file, 'ghost', 'subscribed_to_emails');
    const deleted = indexOf(header, 'deleted_at');
    const name = indexOf(header, 'name');
    return reader(header, {
      email,
      name: name >= 0 ? [name] : NO_NAME,
      drop: new Set(['id', 'subscribed_to_emails', 'stripe_customer_id', 'created_at', 'deleted_at']),
      status: (cells) => ({
        status:
          isTrue(cells[subscribed]) && !(deleted >= 0 && (cells[deleted] ?? '') !== '')
            ? 'active'
            : 'unsubscribed',
      }),
    });
  },
};

/** listmonk's subscribers export and import file: JSON attributes; blocklisted means never mail. */
const listmonk: SourceFormat = {
  name: 'listmonk',
  label: 'listmonk subscribers export',
  detect: (h) => has(h, 'email', 'attributes') && hasAny(h, 'uuid', 'name'),
  compile(header, file) {
    const email = requireColumn(header, file, 'listmonk', 'email');
    const name = indexOf(header, 'name');
    const status = indexOf(header, 'status');
    const attrs = requireColumn(header, file, 'listmonk', 'attributes');
    return reader(header, {
      email,
      name: name >= 0 ? [name] : NO_NAME,
      drop: new Set(['uuid', 'status', 'attributes', 'created_at', 'updated_at']),
      status: (cells) => {
        const v = status >= 0 ? (cells[status] ?? '').trim().toLowerCase() : '';
        if (v === '' || v === 'enabled') return { status: 'active' };
        if (v === 'disabled') return { status: 'unsubscribed' };
        if (v === 'blocklisted') return { status: 'unsubscribed', suppress: 'blocklisted' };
        return { reject: `listmonk status "${v.slice(0, 40)}": expected enabled, disabled or blocklisted` };
      },
      attributes: (cells) => {
        const raw = (cells[attrs] ?? '').trim();
        if (raw === '') return { attributes: {} };
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          return { reject: 'attributes: not valid JSON' };
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          return { reject: 'attributes: a JSON object ({"key": "value"}) is expected' };
        return {
          attributes: Object.fromEntries(
            Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
          ),
        };
      },
    });
  },
};

/** Brevo's contacts export: upper-case attribute names (EMAIL, PRENOM/NOM or FIRSTNAME/LASTNAME), `;`. */
const brevo: SourceFormat = {
  name: 'brevo',
  label: 'Brevo (Sendinblue) contacts export',
  detect: (h) =>
    h.some((c) => c.trim() === 'EMAIL') &&
    h.some((c) => ['PRENOM', 'NOM', 'FIRSTNAME', 'LASTNAME', 'SMS'].includes(c.trim())),
  compile(header, file) {
    const email = requireColumn(header, file, 'brevo', 'email');
    const name = [indexOf(header, 'prenom', 'firstname'), indexOf(header, 'nom', 'lastname')].filter(
      (i) => i >= 0,
    );
    return reader(header, {
      email,
      name,
      first: indexOf(header, 'prenom', 'firstname'),
      drop: new Set(),
      status: () => ({ status: 'active' }),
    });
  },
};

/**
 * numero's own export, recognised first and whatever other columns it carries (a list that came
 * from Substack keeps `active_subscription` as an attribute): its marker is the pair of columns
 * `status_changed_at` and `status_source` beside `status`, which no vendor writes.
 */
const numeroExport: SourceFormat = {
  ...numero,
  name: 'numero',
  label: 'numero export',
  detect: (h) => has(h, 'email', 'status', 'status_changed_at', 'status_source'),
};

/** Most specific first: the generic one matches anything with an email column. */
export const FORMATS: readonly SourceFormat[] = [
  numeroExport,
  mailchimp,
  listmonk,
  ghost,
  substack,
  beehiiv,
  brevo,
  numero,
];

/** The format of a header row, or the one `--from` names (whose columns must then be there). */
export function formatFor(header: string[], file: string, from?: string): SourceFormat {
  const l = lower(header);
  const twice = l.find((c, i) => c && l.indexOf(c) !== i);
  if (twice !== undefined) {
    throw new NumeroError(
      'USAGE',
      `${file}:1: header: the column "${twice.slice(0, 64)}" appears twice: which one is meant is unclear, so nothing was imported`,
    );
  }
  if (from) {
    const f = FORMATS.find((x) => x.name === from);
    if (!f) throw new NumeroError('USAGE', `--from ${from}: expected one of ${FORMAT_NAMES.join(', ')}`);
    return f;
  }
  return FORMATS.find((f) => f.detect(header)) ?? numero;
}

/**
 * A vendor's reader never overrides an explicit `status` column numero understands (active,
 * unsubscribed, bounced, complained, subscribed, cleaned): a file that says who left is believed.
 */
function explicitStatus(header: string[]): (cells: string[]) => MembershipStatus | null {
  const i = indexOf(header, 'status');
  return (cells) => {
    if (i < 0) return null;
    const v = (cells[i] ?? '').trim();
    return v ? statusOf(v) : null;
  };
}
