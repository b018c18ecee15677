/**
 * Design tokens shared by both templates (weekly.tsx, weekly.mjml) and by the styles numero puts
 * inline on the Markdown content. Change a colour here and both engines follow.
 */
export const theme = {
  width: 600,
  mobileBreakpoint: 480,
  fontBody: "Georgia, 'Times New Roman', Times, serif",
  fontUi: "'Helvetica Neue', Helvetica, Arial, sans-serif",
  light: {
    canvas: '#eef2f4',
    paper: '#ffffff',
    ink: '#1f2933',
    muted: '#52606d',
    accent: '#00607a', // sky blue of the Kazakh flag, darkened for 4.5:1 contrast on white
    masthead: '#00607a',
    mastheadInk: '#ffffff',
    gold: '#f2b705',
    /** The gold of the publisher label on the blue masthead: 4.9:1 (#f2b705 there was 3.9:1). */
    mastheadGold: '#ffd23f',
    box: '#fff7dc',
    rule: '#d9e2e8',
  },
  dark: {
    canvas: '#0f1417',
    paper: '#182026',
    ink: '#e4e9ed',
    muted: '#a3b1bc',
    accent: '#5fd3ec',
    box: '#2b2612',
    rule: '#33414b',
  },
} as const;

/** CSS that email clients which honour <style> apply: dark mode and the mobile layout. */
export function responsiveCss(): string {
  const d = theme.dark;
  return [
    ':root{color-scheme:light dark;supported-color-schemes:light dark}',
    `@media (prefers-color-scheme: dark){`,
    `.n-canvas{background-color:${d.canvas}!important}`,
    // MJML paints each section's inner table and cell too (bgcolor and inline style): all of them turn.
    `.n-paper,.n-paper>table,.n-paper>table>tbody>tr>td{background:${d.paper}!important;background-color:${d.paper}!important}`,
    // An mj-text's class is on its cell, its colour inline on the div inside: both turn.
    `.n-ink,.n-ink>div{color:${d.ink}!important}`,
    `.n-muted,.n-muted>div{color:${d.muted}!important}`,
    `.n-link{color:${d.accent}!important}`,
    `.n-box,.n-box>table,.n-box>table>tbody>tr>td{background:${d.box}!important;background-color:${d.box}!important}`,
    `.n-rule{border-color:${d.rule}!important}`,
    '}',
    `@media only screen and (max-width:${theme.mobileBreakpoint}px){`,
    '.n-container{width:100%!important;max-width:100%!important}',
    // weekly.tsx pads the section's cell, MJML the cell of a table inside a div with the class: one
    // rule each, so that no side gets 16 px twice.
    'td.n-pad,div.n-pad>table>tbody>tr>td{padding-left:16px!important;padding-right:16px!important}',
    '.n-title{font-size:24px!important;line-height:30px!important}',
    '}',
  ].join('\n');
}
