import type { SmtpTarget } from '../../runtime/smtp-target.ts';
import { type Listening, listen } from '../listen.ts';
import type { Workspace } from '../workspace.ts';
import { type PreviewDeps, previewApp } from './app.ts';
import { LiveReload } from './live.ts';

export interface PreviewServer extends Listening {
  live: LiveReload;
}

/** Starts the preview: file watcher first (so no save is missed), then the HTTP server. */
export async function startPreview(opts: {
  workspace: Workspace;
  smtp: Pick<SmtpTarget, 'url'>;
  port: number;
  host: string;
  subscribers?: PreviewDeps['subscribers'];
  sending?: PreviewDeps['sending'];
  hostnames?: PreviewDeps['hostnames'];
  testRecipients?: PreviewDeps['testRecipients'];
  testSendsPerMinute?: PreviewDeps['testSendsPerMinute'];
}): Promise<PreviewServer> {
  const live = new LiveReload([opts.workspace.issuesDir, opts.workspace.templatesDir]);
  await live.ready();
  const server = await listen(
    previewApp({
      workspace: opts.workspace,
      live,
      smtpUrl: opts.smtp.url,
      subscribers: opts.subscribers,
      sending: opts.sending,
      hostnames: [...(opts.hostnames ?? []), opts.host],
      testRecipients: opts.testRecipients,
      testSendsPerMinute: opts.testSendsPerMinute,
    }),
    opts.port,
    opts.host,
  );
  return {
    ...server,
    live,
    close: async () => {
      await live.close();
      await server.close();
    },
  };
}
