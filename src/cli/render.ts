import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { CLIP_LIMIT_BYTES } from '../render/limits.ts';
import { SAMPLE_READERS, sampleLinks, sampleReader } from '../render/sample-readers.ts';
import { kb } from './output.ts';

export function registerRender(program: Command, config: () => Config): void {
  program
    .command('render')
    .description('render an issue to index.html and index.txt, personalised for a sample reader')
    .argument('<file>', 'the issue, e.g. issues/2025-10-02-numero-37.md')
    .option(
      '-t, --template <name>',
      'a template in templates/ instead of the issue’s own (weekly.tsx, weekly.mjml)',
    )
    .option('-o, --out <dir>', 'output folder (default: out/<issue>)')
    .option('-r, --reader <id>', `sample reader (${SAMPLE_READERS.map((r) => r.id).join(', ')})`, 'aigerim')
    .action(async (file: string, opts: { template?: string; out?: string; reader: string }) => {
      const cfg = config();
      // Loaded here, not at start: React and MJML are heavy, and most commands never render.
      const { loadIssue } = await import('../content/load.ts');
      const { compileIssue } = await import('../render/compile.ts');
      const { Personalizer } = await import('../render/personalize.ts');
      const issue = loadIssue(file, cfg);
      const reader = sampleReader(opts.reader);
      const compiled = await compileIssue(issue, {
        templatesDir: cfg.templatesDir,
        publicUrl: cfg.publicUrl,
        template: opts.template,
      });
      const out = new Personalizer(compiled).fill(reader, sampleLinks(cfg.publicUrl, issue.slug));
      const dir = opts.out ?? path.join('out', issue.slug);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'index.html'), out.html);
      fs.writeFileSync(path.join(dir, 'index.txt'), out.text);
      const html = Buffer.byteLength(out.html);
      const text = Buffer.byteLength(out.text);
      console.log(`${issue.file} → ${dir}/ (${compiled.template}, reader ${reader.id})`);
      console.log(`  subject     ${out.subject}`);
      console.log(
        `  index.html  ${kb(html).padStart(9)}  (${Math.round((html / CLIP_LIMIT_BYTES) * 100)} % of Gmail’s 102 KB clipping limit)`,
      );
      console.log(`  index.txt   ${kb(text).padStart(9)}`);
    });
}
