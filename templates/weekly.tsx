/** @jsxRuntime automatic */
/** @jsxImportSource react */
import {
  Body,
  Column,
  Container,
  Head,
  Heading,
  Hr,
  Html,
  Link,
  Preview,
  Row,
  Text,
} from '@react-email/components';
import { type CSSProperties, Fragment, type ReactNode } from 'react';
import { fragmentToReact } from '../src/render/jsx.ts';
import { responsiveCss, theme } from '../src/render/theme.ts';
import type { IssueView, TitledFragment } from '../src/render/view.ts';

/**
 * The weekly newsletter in React Email. Same structure as weekly.mjml: masthead, numéro and date,
 * hidden preheader, sections, "Le saviez-vous ?" box, conclusion, related articles, footer.
 */
const c = theme.light;
const ui: CSSProperties = { fontFamily: theme.fontUi };
const pad: CSSProperties = { paddingLeft: 32, paddingRight: 32 };
/** Layout tables take their width from the message, never from their content (see fragments.ts). */
const fixed: CSSProperties = { tableLayout: 'fixed' };

/**
 * A full-width block. Outlook for Windows (the Word engine) ignores padding, widths and backgrounds
 * on tables, so they go on the cell; the table only says how wide it is and that its width comes
 * from the message, not from its content (table-layout:fixed).
 */
function Section({
  className,
  style,
  id,
  children,
}: {
  className?: string;
  style?: CSSProperties;
  id?: string;
  children: ReactNode;
}) {
  return (
    <table
      role="presentation"
      width="100%"
      cellPadding={0}
      cellSpacing={0}
      border={0}
      id={id}
      style={{ width: '100%', tableLayout: 'fixed', borderCollapse: 'collapse' }}
    >
      <tbody>
        <tr>
          <td className={className} style={{ ...style, msoLineHeightRule: 'exactly' } as CSSProperties}>
            {children}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

/** Where the engine puts Outlook's fixed-width ghost table (see engines/react.ts). */
const MsoGhost = ({ edge }: { edge: 'open' | 'close' }) => <div data-mso-ghost={edge} />;

function Box({ part, className, style }: { part: TitledFragment; className: string; style: CSSProperties }) {
  return (
    <Section className={`n-pad ${className}`} style={{ ...fixed, ...pad, ...style }}>
      <Heading
        as="h2"
        className="n-ink"
        style={{ ...ui, fontSize: 20, lineHeight: '26px', margin: '0 0 12px', color: c.ink }}
      >
        {part.title}
      </Heading>
      {fragmentToReact(part.body)}
    </Section>
  );
}

export default function Weekly({ view }: { view: IssueView }) {
  return (
    <Html lang={view.lang} dir={view.dir}>
      <Head>
        <meta name="mso-head" />
        {/* Without it a phone lays the web version out at 980 px and shrinks it to 0.38. */}
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{view.subject}</title>
        <style>{responsiveCss()}</style>
      </Head>
      <Preview>{view.preheader}</Preview>
      <Body className="n-canvas" style={{ backgroundColor: c.canvas, margin: 0, padding: '24px 0' }}>
        <MsoGhost edge="open" />
        <Container
          className="n-container n-paper"
          style={{ ...fixed, backgroundColor: c.paper, width: '100%', maxWidth: theme.width }}
        >
          <Masthead view={view} />
          <Opening view={view} />
          <Articles view={view} />
          {view.aside ? <Aside part={view.aside} /> : null}
          {view.conclusion ? (
            <Box part={view.conclusion} className="conclusion" style={{ paddingTop: 12 }} />
          ) : null}
          {view.notes ? <Notes notes={view.notes} /> : null}
          {view.related ? <Related related={view.related} /> : null}
          <Footer view={view} />
        </Container>
        <MsoGhost edge="close" />
      </Body>
    </Html>
  );
}

/** The newsletter's name on its band of colour, with the publisher, the numéro and the date. */
function Masthead({ view }: { view: IssueView }) {
  return (
    <Section
      className="masthead n-pad"
      style={{ ...fixed, ...pad, backgroundColor: c.masthead, paddingTop: 28, paddingBottom: 24 }}
    >
      <Text
        style={{
          ...ui,
          color: c.mastheadGold,
          fontSize: 13,
          letterSpacing: 1,
          textTransform: 'uppercase',
          margin: 0,
        }}
      >
        {view.newsletter.publisher}
      </Text>
      <Heading
        as="h1"
        className="n-title"
        style={{ ...ui, color: c.mastheadInk, fontSize: 30, lineHeight: '36px', margin: '6px 0' }}
      >
        {view.newsletter.name}
      </Heading>
      <Text style={{ ...ui, color: c.mastheadInk, fontSize: 14, margin: 0 }}>
        {[view.numeroLabel, view.dateLabel].filter(Boolean).join(' · ')}
      </Text>
    </Section>
  );
}

/** The issue's title, its byline and the introduction. */
function Opening({ view }: { view: IssueView }) {
  return (
    <Section className="n-pad" style={{ ...fixed, ...pad, paddingTop: 28 }}>
      <Heading
        as="h2"
        className="n-ink"
        style={{ ...ui, fontSize: 24, lineHeight: '30px', margin: '0 0 6px', color: c.ink }}
      >
        {view.title}
      </Heading>
      <Text className="n-muted" style={{ ...ui, fontSize: 14, color: c.muted, margin: '0 0 20px' }}>
        {view.byline}
      </Text>
      {view.intro ? fragmentToReact(view.intro) : null}
    </Section>
  );
}

/**
 * Every section in one block, each opened by its heading (the anchor of its id): a table per
 * section cost some 300 bytes each, 15 KB on a 50-article issue, near Gmail's 102 KB clip.
 */
function Articles({ view }: { view: IssueView }) {
  if (!view.sections.length) return null;
  return (
    <Section className="n-pad" style={{ ...fixed, ...pad }}>
      {view.sections.map((s) => (
        <Fragment key={s.id}>
          <Heading
            as="h2"
            id={s.id}
            className="n-ink"
            style={{
              ...ui,
              fontSize: 21,
              lineHeight: '27px',
              margin: '20px 0 12px',
              color: c.ink,
              borderTop: `3px solid ${c.gold}`,
              paddingTop: 14,
            }}
          >
            {s.title}
          </Heading>
          {fragmentToReact(s.body)}
        </Fragment>
      ))}
    </Section>
  );
}

/** "Le saviez-vous ?": a tinted box with a gold rule. */
function Aside({ part }: { part: TitledFragment }) {
  return (
    <Section className="n-pad" style={{ ...fixed, ...pad, paddingTop: 12, paddingBottom: 12 }}>
      <Box
        part={part}
        className="n-box aside"
        style={{
          backgroundColor: c.box,
          borderLeft: `4px solid ${c.gold}`,
          paddingTop: 18,
          paddingBottom: 4,
        }}
      />
    </Section>
  );
}

/** Footnotes, in smaller muted text under a rule. */
function Notes({ notes }: { notes: NonNullable<IssueView['notes']> }) {
  return (
    <Section className="n-pad notes" style={{ ...pad, paddingTop: 8, paddingBottom: 4 }}>
      <Hr className="n-rule" style={{ borderColor: c.rule, margin: '8px 0 12px' }} />
      <Heading
        as="h2"
        className="n-muted"
        style={{ ...ui, fontSize: 15, lineHeight: '20px', margin: '0 0 8px', color: c.muted }}
      >
        {notes.title}
      </Heading>
      {notes.items.map((n) => (
        <div key={n.number}>{fragmentToReact(n.body)}</div>
      ))}
    </Section>
  );
}

/** "À lire aussi": headline and teaser of each related article. */
function Related({ related }: { related: NonNullable<IssueView['related']> }) {
  const headline: CSSProperties = {
    ...ui,
    fontSize: 16,
    lineHeight: '22px',
    fontWeight: 'bold',
    margin: '0 0 4px',
    color: c.ink,
  };
  const teaser: CSSProperties = {
    fontFamily: theme.fontBody,
    fontSize: 15,
    lineHeight: '22px',
    margin: 0,
    color: c.muted,
  };
  return (
    <Section className="n-pad related" style={{ ...fixed, ...pad, paddingTop: 8, paddingBottom: 8 }}>
      <Hr className="n-rule" style={{ borderColor: c.rule, margin: '8px 0 20px' }} />
      <Heading as="h2" className="n-ink" style={{ ...ui, fontSize: 18, margin: '0 0 12px', color: c.ink }}>
        {related.title}
      </Heading>
      {related.items.map((item) => (
        <Row key={item.headline} style={{ marginBottom: 14 }}>
          <Column>
            <Text className="n-ink" style={headline}>
              {item.url ? (
                <Link href={item.url} className="n-link" style={{ color: c.accent }}>
                  {item.headline}
                </Link>
              ) : (
                item.headline
              )}
            </Text>
            <Text className="n-muted" style={teaser}>
              {item.dateLabel ? `${item.dateLabel} — ` : ''}
              {item.teaser}
            </Text>
          </Column>
        </Row>
      ))}
    </Section>
  );
}

/** Why the reader gets it, the web version and unsubscribe links, the postal address. */
function Footer({ view }: { view: IssueView }) {
  const small: CSSProperties = { ...ui, fontSize: 13, lineHeight: '20px', color: c.muted, margin: '0 0 8px' };
  const link: CSSProperties = { color: c.accent, textDecoration: 'underline' };
  return (
    <Section
      className="n-pad footer"
      style={{ ...fixed, ...pad, paddingTop: 16, paddingBottom: 28, borderTop: `1px solid ${c.rule}` }}
    >
      <Text className="n-muted" style={small}>
        {view.labels.why}
      </Text>
      <Text className="n-muted" style={small}>
        <Link href={view.links.browser} className="n-link" style={link}>
          {view.labels.viewInBrowser}
        </Link>
        {' · '}
        <Link href={view.links.preferences} className="n-link" style={link}>
          {view.labels.preferences}
        </Link>
        {' · '}
        <Link href={view.links.unsubscribe} className="n-link" style={link}>
          {view.labels.unsubscribe}
        </Link>
      </Text>
      <Text
        className="n-muted"
        style={{ ...ui, fontSize: 12, lineHeight: '18px', color: c.muted, margin: 0 }}
      >
        {view.newsletter.publisher} · {view.newsletter.postalAddress}
        {view.newsletter.copyright ? ` · © ${view.year} ${view.newsletter.copyright}` : ''}
      </Text>
    </Section>
  );
}
