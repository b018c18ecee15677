import { createHash } from 'node:crypto';
import { type ClientReport, clientReport } from '../../check/clients.ts';
import { listTemplates } from '../../content/load.ts';
import { Personalizer, type Reader } from '../../render/personalize.ts';
import { hasErrors, prepareIssue } from '../../render/prepare.ts';
import { SAMPLE_READERS, sampleLinks } from '../../render/sample-readers.ts';
import { issueFileForSlug, tryLoadContext, type Workspace } from '../workspace.ts';

export type PreviewReader = Reader & { id: string };

/** One issue rendered for a template and a reader, with what is wrong with it. */
export type Preview = NonNullable<Awaited<ReturnType<PreviewRenderer['preview']>>>;

/** caniemail's check takes a few seconds: live reload re-renders often, so the last reports are kept. */
const clientReports = new Map<string, ClientReport>();
export function clientsOf(html: string): ClientReport {
  const key = createHash('sha1').update(html).digest('hex');
  let r = clientReports.get(key);
  if (!r) {
    r = clientReport(html);
    clientReports.set(key, r);
    if (clientReports.size > 20) clientReports.delete(clientReports.keys().next().value as string);
  }
  return r;
}

/** How the preview renders issues: the readers it offers, and one issue for a template and reader. */
export class PreviewRenderer {
  constructor(
    private readonly ws: Workspace,
    private readonly subscribers?: () => Promise<PreviewReader[]>,
  ) {}

  /** The built-in sample readers, then real subscribers when there is a subscriber store. */
  async readers(): Promise<PreviewReader[]> {
    return [...SAMPLE_READERS, ...(this.subscribers ? await this.subscribers() : [])];
  }

  /** Renders one issue for the selected template and sample reader, or says what is wrong; null: no such issue. */
  async preview(slug: string, template: string | undefined, readerId: string | undefined) {
    const { ws } = this;
    const file = issueFileForSlug(ws, slug);
    if (!file) return null;
    const templates = listTemplates(ws.templatesDir);
    const chosenTemplate = template && templates.includes(template) ? template : undefined;
    const all = await this.readers();
    const reader = all.find((r) => r.id === readerId) ?? all[0];
    const loaded = tryLoadContext(ws);
    if (!loaded.ok || !reader) {
      return {
        file,
        templates,
        template: chosenTemplate,
        reader: reader?.id ?? '',
        person: reader,
        diagnostics: loaded.ok ? [] : loaded.diagnostics,
        report: null,
        out: null,
      };
    }
    const report = await prepareIssue(file, loaded.ctx, { ...ws, template: chosenTemplate });
    const out =
      report.compiled && !hasErrors(report)
        ? new Personalizer(report.compiled).fill(reader, sampleLinks(ws.publicUrl, slug))
        : null;
    return {
      file,
      templates,
      template: report.compiled?.template ?? chosenTemplate,
      reader: reader.id,
      person: reader,
      diagnostics: report.diagnostics,
      report,
      out,
    };
  }
}
