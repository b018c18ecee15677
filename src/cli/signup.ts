import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { prunePending } from '../audience/signup.ts';
import { formatTracking, parseTracking } from '../audience/tracking.ts';
import type { Config } from '../config.ts';
import { loadNewsletter } from '../content/data.ts';
import { NumeroError } from '../errors.ts';
import { signupForm } from '../server/public/signup-routes.ts';
import { requireList } from '../store/audience.ts';
import { openStore } from '../store/db.ts';
import { listSettingsById, updateListSettings } from '../store/list-settings.ts';
import { OPT_INS, type OptIn } from '../store/schema.ts';
import { setListWelcome } from '../store/welcomes.ts';

function sub(program: Command, name: string): Command {
  const c = program.commands.find((x) => x.name() === name);
  if (!c) throw new Error(`no ${name} command`);
  return c;
}

/** `lists set`, `lists form` and `subscribers prune-pending`: what readers who join by themselves need. */
export function registerSignup(program: Command, config: () => Config): void {
  sub(program, 'lists')
    .command('set')
    .description(
      'what a list offers readers who join by themselves: the signup form, the confirmation, a welcome',
    )
    .argument('<name>', 'the list')
    .option('--public', 'offer it on the signup form (/subscribe)')
    .option('--private', 'take it off the signup form')
    .option('--optin <kind>', 'double (a confirmation link, the default) or single')
    .option(
      '--welcome <file>',
      'a numéro in the issues folder sent once to each reader who joins (compiled now: set it again after editing)',
    )
    .option('--no-welcome', 'no welcome numéro')
    .option(
      '--tracking <kinds>',
      'what its campaigns measure: off (the default), or a comma list of clicks | clicks-per-reader, opens',
    )
    .action(
      async (
        name: string,
        o: {
          public?: boolean;
          private?: boolean;
          optin?: string;
          welcome?: string | false;
          tracking?: string;
        },
      ) => {
        const cfg = config();
        const tracking =
          o.tracking === undefined ? undefined : formatTracking(parseTracking(o.tracking, '--tracking'));
        if (o.public && o.private) throw new NumeroError('USAGE', '--public or --private, not both');
        if (o.optin !== undefined && !OPT_INS.includes(o.optin as OptIn))
          throw new NumeroError('USAGE', `--optin ${o.optin}: expected double or single`);
        let welcome: { file: string; compiled: string } | null | undefined;
        if (typeof o.welcome === 'string') {
          const file = path.resolve(cfg.issuesDir, path.basename(o.welcome));
          if (!fs.existsSync(file) || !file.endsWith('.md'))
            throw new NumeroError(
              'USAGE',
              `--welcome ${o.welcome}: no such Markdown file in ${cfg.issuesDir}`,
            );
          // Compiled now, as a campaign's issue is at creation: newcomers get this text until it is set again.
          const { prepareIssue, requireReady } = await import('../render/prepare.ts');
          const { loadContext } = await import('../content/load.ts');
          const dirs = { issuesDir: cfg.issuesDir, templatesDir: cfg.templatesDir };
          const ready = requireReady(
            await prepareIssue(file, loadContext(dirs), { ...dirs, publicUrl: cfg.publicUrl }),
          );
          welcome = { file: path.basename(file), compiled: JSON.stringify(ready.compiled) };
        } else if (o.welcome === false) welcome = null;
        const store = await openStore(cfg);
        try {
          const list = await requireList(store.db, name);
          await updateListSettings(store.db, list.id, {
            ...(o.public ? { public: true } : o.private ? { public: false } : {}),
            ...(o.optin ? { optin: o.optin as OptIn } : {}),
            ...(tracking !== undefined ? { tracking } : {}),
          });
          if (welcome !== undefined) await setListWelcome(store.db, list.id, welcome);
          const [s] = await listSettingsById(store.db, [list.id]);
          if (s)
            console.log(
              `${s.name}: ${s.public ? 'public' : 'private'}, ${s.optin} opt-in, welcome ${s.welcome ?? 'none'}, tracking ${s.tracking || 'off'}`,
            );
        } finally {
          await store.close();
        }
      },
    );

  sub(program, 'lists')
    .command('form')
    .description('print an HTML signup form for LIST that any site can embed (works without JavaScript)')
    .argument('<name>', 'the list (it must be public)')
    .action(async (name: string) => {
      const cfg = config();
      const store = await openStore(cfg);
      try {
        const list = await requireList(store.db, name);
        const [s] = await listSettingsById(store.db, [list.id]);
        if (!s?.public)
          throw new NumeroError('USAGE', `list ${name} is not public: numero lists set ${name} --public`);
        let newsletter = new URL(cfg.publicUrl).hostname;
        try {
          newsletter = loadNewsletter(cfg.issuesDir).name;
        } catch {}
        const action = `${cfg.publicUrl.replace(/\/+$/, '')}/subscribe`;
        console.log(`<!-- numero signup form for ${s.name}: the site it is on must be in SIGNUP_ORIGINS -->`);
        console.log(String(await signupForm(newsletter, s.lang, [s], action)));
      } finally {
        await store.close();
      }
    });

  sub(program, 'subscribers')
    .command('prune-pending')
    .description('delete signups never confirmed (their address and IP were kept only to confirm)')
    .option('--days <n>', 'older than this many days (default SIGNUP_PENDING_DAYS)')
    .action(async (o: { days?: string }) => {
      const cfg = config();
      const days = o.days === undefined ? cfg.signup.pendingDays : Number(o.days);
      if (!Number.isFinite(days) || days < 0)
        throw new NumeroError('USAGE', `--days ${o.days}: expected a number`);
      const store = await openStore(cfg);
      try {
        const n = await prunePending(store.db, days);
        console.log(`${n} unconfirmed signup(s) older than ${days} day(s) deleted`);
      } finally {
        await store.close();
      }
    });
}
