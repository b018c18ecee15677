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
    return await render(createElement(mod.default, { view }));
  } catch (cause) {
    throw new NumeroError('TEMPLATE_FAILED', `${templateFile}: ${(cause as Error).message}`, { cause });
  }
}
