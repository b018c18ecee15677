import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { render } from '@react-email/render';
import { createElement, type FunctionComponent } from 'react';
import { NumeroError } from '../../errors.ts';
import type { IssueView } from '../view.ts';

/** A React Email template: a default-exported component taking `{ view }`. */
type Template = FunctionComponent<{ view: IssueView }>;

export async function renderReact(templateFile: string, view: IssueView): Promise<string> {
  // The file's mtime in the URL makes an edited template load anew (the preview's live reload)
  // while an unchanged one stays cached. Modules the template imports are not reloaded.
  const version = Math.trunc(fs.statSync(templateFile).mtimeMs);
  const mod = (await import(`${pathToFileURL(templateFile).href}?v=${version}`)) as { default?: Template };
  if (typeof mod.default !== 'function') {
    throw new NumeroError('TEMPLATE_FAILED', `${templateFile}: expected a default-exported React component`);
  }
  try {
    return forOutlook(await render(createElement(mod.default, { view })), view.theme.width);
  } catch (cause) {
    throw new NumeroError('TEMPLATE_FAILED', `${templateFile}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * What MJML gives Outlook for Windows, for React templates: a fixed-width ghost table around the
 * column (the Word engine ignores max-width), the Office document settings (96 dpi, PNG) and the
 * mso- styles, all inside conditional comments that every other client skips. The template marks
 * the places (`<div data-mso-ghost="open|close">`, `<meta name="mso-head">`); React cannot write
 * comments itself.
 */
export function forOutlook(html: string, width: number): string {
  return html
    .replace(
      /<meta name="mso-head"\s*\/?>/,
      '<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:AllowPNG/><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript>' +
        '<style>table{border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt}td{mso-line-height-rule:exactly}</style><![endif]-->',
    )
    .replace(
      /<div data-mso-ghost="open"><\/div>/,
      `<!--[if mso]><table role="presentation" align="center" width="${width}" cellpadding="0" cellspacing="0" border="0" style="width:${width}px"><tr><td><![endif]-->`,
    )
    .replace(/<div data-mso-ghost="close"><\/div>/, '<!--[if mso]></td></tr></table><![endif]-->')
    .replace(
      /<html /,
      '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" ',
    );
}
