import { doIUseEmail } from '@jsx-email/doiuse-email';

/**
 * Which mail clients support what the rendered HTML uses, from caniemail.com's data (through
 * @jsx-email/doiuse-email, pinned: no network at run time), grouped by client family and feature.
 * Each item says where it comes from (the Markdown styles, the template, the engine) and whether it
 * is known-harmless boilerplate, which is shown, marked, never hidden.
 */

export const CLIENT_FAMILIES: Record<string, readonly string[]> = {
  'Apple Mail': ['apple-mail.macos', 'apple-mail.ios'],
  Gmail: ['gmail.desktop-webmail', 'gmail.ios', 'gmail.android', 'gmail.mobile-webmail'],
  Outlook: ['outlook.windows', 'outlook.windows-mail', 'outlook.macos', 'outlook.ios', 'outlook.android'],
  Yahoo: ['yahoo.desktop-webmail', 'yahoo.ios', 'yahoo.android'],
  AOL: ['aol.desktop-webmail', 'aol.ios', 'aol.android'],
  'Samsung Email': ['samsung-email.android'],
  Thunderbird: ['thunderbird.macos'],
  'Proton Mail': ['protonmail.desktop-webmail', 'protonmail.ios', 'protonmail.android'],
  HEY: ['hey.desktop-webmail'],
  Fastmail: ['fastmail.desktop-webmail'],
  Orange: ['orange.desktop-webmail', 'orange.ios', 'orange.android'],
  SFR: ['sfr.desktop-webmail', 'sfr.ios', 'sfr.android'],
  'La Poste': ['laposte.desktop-webmail'],
  'Mail.ru': ['mail-ru.desktop-webmail'],
};

/**
 * What the engines and templates put there on purpose, with a fallback where it is not supported:
 * a client that ignores it still shows the message right.
 */
const HARMLESS: Record<string, string> = {
  '<body> element': 'clients replace <body> with a <div>; every style is also on the container',
  'lang attribute': 'language hint for screen readers; ignored elsewhere',
  'role attribute': 'role="presentation" on layout tables, for screen readers',
  'aria-label attribute': 'for screen readers',
  'target attribute': 'links open in a new tab where supported',
  '@media': 'progressive: mobile layout and dark mode where supported; the desktop layout is the fallback',
  'display:none': 'hides the preheader; clients that ignore it also honour max-height:0 and opacity:0',
  display: 'the preheader is hidden by several properties together',
  opacity: 'one of the preheader-hiding properties',
  'max-height': 'one of the preheader-hiding properties',
  '!important keyword': 'inside dark-mode and mobile media queries only',
  'table-layout': 'without it a table sizes to its content: wide tables scroll instead of fitting',
  'ID selector': "MJML's own CSS",
  'Descendant combinator': "MJML's and numero's media-query selectors",
  'Child combinator': "MJML's and numero's media-query selectors",
  'class selector': 'inline styles carry the same rules',
  'word-break': 'long words may overflow in these clients; overflow-wrap and word-wrap are also set',
  'overflow-wrap': 'long words may overflow in these clients; word-break and word-wrap are also set',
  'color-scheme': 'dark-mode hint',
  outline: "MJML's reset",
  'text-decoration': 'links are underlined by default where it is ignored',
  'text-decoration-line': "React Email's Link resets it before numero's underline; links stay underlined",
  'width attribute': 'the same width is also set in CSS',
  'align attribute': 'centring is also set in CSS',
  'mso- properties': 'Outlook-only properties',
};

/** Where a feature comes from: the styles numero puts on the Markdown, the template, or the engine. */
const ORIGIN: Array<[RegExp, string]> = [
  [
    /overflow|word-break|white-space|border-radius|table-layout|border-collapse/,
    'src/render/fragments.ts (the Markdown content styles)',
  ],
  [
    /@media|!important|color-scheme|class selector|combinator/,
    'src/render/theme.ts (responsiveCss: dark mode and mobile)',
  ],
  [/display|opacity|max-height/, 'the template (hidden preheader)'],
  [/<body>|ID selector|outline/, 'the engine (React Email or MJML)'],
];

export interface ClientItem {
  feature: string;
  level: 'unsupported' | 'partial';
  /** Client family → clients of it affected. */
  families: Record<string, string[]>;
  origin: string;
  /** Why it does no harm, or null for an item that deserves a look. */
  harmless: string | null;
  notes: string[];
}

export interface ClientReport {
  items: ClientItem[];
  /** Features caniemail has no data for, per client (reported, never guessed). */
  missingData: string[];
  /** Unsupported items not marked harmless: what --max-unsupported counts. */
  unsupported: number;
}

const familyOf = new Map(
  Object.entries(CLIENT_FAMILIES).flatMap(([f, cs]) => cs.map((c) => [c, f] as const)),
);

export function clientReport(html: string): ClientReport {
  // overflow hides the preheader (harmless where ignored), and makes a wide table's box scroll: where
  // it is ignored, that table is as wide as its content. Only the second deserves a look.
  const tableBox = html.includes('n-table');
  const harmlessFor = (feature: string): string | null =>
    feature === 'overflow'
      ? tableBox
        ? null
        : 'hides the preheader, with max-height:0 and opacity:0'
      : (HARMLESS[feature] ?? (feature.startsWith('mso-') ? (HARMLESS['mso- properties'] ?? null) : null));
  const byKey = new Map<string, ClientItem>();
  const missingData: string[] = [];
  const item = (feature: string, level: ClientItem['level']) => {
    const key = `${level}:${feature}`;
    let it = byKey.get(key);
    if (!it) {
      it = {
        feature,
        level,
        families: {},
        origin: ORIGIN.find(([re]) => re.test(feature))?.[1] ?? 'the template',
        harmless: harmlessFor(feature),
        notes: [],
      };
      byKey.set(key, it);
    }
    return it;
  };
  for (const client of familyOf.keys()) {
    let r: ReturnType<typeof doIUseEmail>;
    try {
      r = doIUseEmail(html, { emailClients: [client] });
    } catch (e) {
      // The data set lacks a feature for this client: say so rather than stop.
      missingData.push(`${client}: ${(e as Error).message}`);
      continue;
    }
    const family = familyOf.get(client) ?? client;
    const add = (message: string, level: ClientItem['level']) => {
      const feature = /^`([^`]+)`/.exec(message)?.[1];
      if (!feature) return;
      const it = item(feature, level);
      const list = it.families[family] ?? [];
      if (!list.includes(client)) list.push(client);
      it.families[family] = list;
    };
    for (const m of 'errors' in r ? r.errors : []) add(m, 'unsupported');
    for (const m of r.warnings) add(m, 'partial');
    for (const n of r.notes) {
      const feature = /^Note about `([^`]+)`/.exec(n)?.[1];
      const it = feature
        ? (byKey.get(`unsupported:${feature}`) ?? byKey.get(`partial:${feature}`))
        : undefined;
      const text = n.replace(/^Note about `[^`]+` support for `[^`]+`: /, '');
      if (it && !it.notes.includes(text) && it.notes.length < 5) it.notes.push(text);
    }
  }
  const items = [...byKey.values()].sort(
    (a, b) =>
      Number(a.harmless !== null) - Number(b.harmless !== null) ||
      (a.level === b.level ? 0 : a.level === 'unsupported' ? -1 : 1) ||
      a.feature.localeCompare(b.feature),
  );
  return {
    items,
    missingData,
    unsupported: items.filter((i) => i.level === 'unsupported' && i.harmless === null).length,
  };
}

/** The report as `numero check --clients` prints it. */
export function formatClientReport(template: string, r: ClientReport): string[] {
  const lines = [`${template}: ${r.unsupported} unsupported feature(s) worth a look (caniemail.com data)`];
  for (const it of r.items) {
    const fams = Object.entries(it.families)
      .map(([f, cs]) => `${f} (${cs.length})`)
      .join(', ');
    lines.push(
      `  ${it.level === 'unsupported' ? 'unsupported' : 'partial    '}  ${it.feature}: ${fams}${it.harmless ? `  [harmless: ${it.harmless}]` : ''}`,
      `               from ${it.origin}`,
    );
  }
  for (const m of r.missingData) lines.push(`  no data: ${m}`);
  return lines;
}
