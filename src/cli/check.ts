import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { kb, printDiagnostics } from './output.ts';

export function registerCheck(program: Command, config: () => Config): void {
  program
    .command('check')
    .description('validate and lint issues: front matter, links, images, merge fields, HTML size')
    .argument('[files...]', 'issue files (default: every issue in issues/)')
    .option('-t, --template <name>', 'check with this template instead of each issue’s own')
    .option('--clients', 'report what mail clients do not support in the rendered HTML (caniemail.com data)')
    .option(
      '--spam',
      'score the message as a reader receives it with SpamAssassin (local tests only), when installed',
    )
    .option(
      '--links',
      'list every link and image of the message as a sample reader gets it, with what is wrong with each',
    )
    .option(
      '--max-unsupported <n>',
      'with --clients: fail when more unsupported features (not marked harmless) are found',
    )
    .action(
      async (
        files: string[],
        opts: {
          template?: string;
          clients?: boolean;
          links?: boolean;
          spam?: boolean;
          maxUnsupported?: string;
        },
      ) => {
        const cfg = config();
        const { prepareIssue, hasErrors } = await import('../render/prepare.ts');
        const { listIssueFiles, loadContext } = await import('../content/load.ts');
        const ctx = loadContext(cfg);
        const targets = files.length ? files : listIssueFiles(cfg.issuesDir);
        let failed = 0;
        for (const file of targets) {
          const report = await prepareIssue(file, ctx, { ...cfg, template: opts.template });
          printDiagnostics(report.diagnostics, (s) =>
            hasErrors(report) ? console.error(s) : console.log(s),
          );
          const warnings = report.diagnostics.filter((d) => d.severity === 'warning').length;
          const errors = report.diagnostics.length - warnings;
          if (errors) failed++;
          const size = report.htmlBytes === null ? '' : `${kb(report.htmlBytes)} HTML, `;
          const summary = errors
            ? `${errors} error(s), ${warnings} warning(s)`
            : `ok (${size}${warnings} warning(s))`;
          (errors ? console.error : console.log)(`${report.file}: ${summary}`);
          if (opts.links && report.compiled && report.issue) {
            const { linksAndImages } = await import('../check/links.ts');
            const { Personalizer } = await import('../render/personalize.ts');
            const { sampleLinks, sampleReader } = await import('../render/sample-readers.ts');
            const links = sampleLinks(cfg.publicUrl, report.issue.slug);
            const { html } = new Personalizer(report.compiled).fill(sampleReader(), links);
            const items = linksAndImages(html, {
              ...links,
              publicUrl: cfg.publicUrl,
              issuesDir: cfg.issuesDir,
            });
            for (const it of items) {
              const role = it.role ? ` (${it.role})` : '';
              console.log(`  ${it.kind} ${JSON.stringify(it.text.slice(0, 60))} → ${it.url}${role}`);
              for (const p of it.problems) console.log(`      ${p}`);
            }
          }
          if (opts.spam && report.compiled && report.issue) {
            const { spamScore } = await import('../check/spam.ts');
            const { buildTestMessage, signedRaw } = await import('../send/test-send.ts');
            const { sampleReader } = await import('../render/sample-readers.ts');
            const reader = sampleReader();
            const { message } = buildTestMessage({
              compiled: report.compiled,
              newsletter: report.issue.newsletter,
              reader,
              to: reader.email,
              settings: {
                secret: cfg.unsubscribeSecret ?? null,
                publicUrl: cfg.publicUrl,
                mailtoDomain: cfg.unsubscribeMailtoDomain,
                bounceDomain: cfg.send.bounceDomain,
                dkim: cfg.send.dkim,
              },
            });
            const r = await spamScore(await signedRaw(message, cfg.send.dkim));
            if (!r.available) console.log(`  spam: SpamAssassin is not installed (${r.install})`);
            else {
              console.log(
                `  spam: ${r.score.toFixed(1)} points (${r.required.toFixed(1)} flags a message), local tests`,
              );
              for (const rule of r.rules)
                console.log(`    ${rule.points.toFixed(1).padStart(5)}  ${rule.name}  ${rule.description}`);
            }
          }
          if ((opts.clients || opts.maxUnsupported !== undefined) && report.compiled) {
            const { clientReport, formatClientReport } = await import('../check/clients.ts');
            const r = clientReport(report.compiled.html);
            for (const line of formatClientReport(report.compiled.template, r)) console.log(line);
            const max = opts.maxUnsupported === undefined ? null : Number(opts.maxUnsupported);
            if (max !== null && r.unsupported > max) {
              console.error(
                `${report.file}: ${r.unsupported} unsupported feature(s), more than --max-unsupported ${max}`,
              );
              failed++;
            }
          }
        }
        if (failed) process.exitCode = 1;
      },
    );
}
