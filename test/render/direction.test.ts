import { afterAll, describe, expect, it } from 'vitest';
import { loadIssue } from '../../src/content/load.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { directionOf } from '../../src/render/view.ts';
import { DIRS, PUBLIC_URL, repoContext, TEMPLATES_DIR, tempIssuesDir } from '../helpers/fixtures.ts';

const dir = tempIssuesDir();
afterAll(() => dir.cleanup());

const issue = (lang: string, body: string) => `---
numero: 1
date: 2026-12-05
title: Titre
subject: Sujet
preheader: Préheader
author: A
lang: ${lang}
---

## Section

${body}
`;

describe('right-to-left text', () => {
  it('knows the languages written right to left', () => {
    expect(['ar', 'he', 'fa', 'ur', 'ar-EG', 'yi'].map(directionOf)).toEqual(Array(6).fill('rtl'));
    expect(['fr', 'en', 'kk', 'ru', 'zh-Hans'].map(directionOf)).toEqual(Array(5).fill('ltr'));
  });

  it.each(['weekly.tsx', 'weekly.mjml'])(
    'an Arabic issue is laid out right to left, with %s',
    async (template) => {
      const file = dir.write(`ar-${template}.md`, issue('ar', 'مرحبا بكم في النشرة.'));
      const compiled = await compileIssue(loadIssue(file, { ...DIRS, issuesDir: dir.dir }, repoContext()), {
        templatesDir: TEMPLATES_DIR,
        publicUrl: PUBLIC_URL,
        template,
      });
      expect(compiled.html).toMatch(/<html[^>]*\bdir="rtl"/);
      if (template === 'weekly.mjml') expect(compiled.html).toContain('text-align:right');
    },
  );

  it.each(['weekly.tsx', 'weekly.mjml'])(
    'a Hebrew paragraph in a French issue follows its own direction, with %s',
    async (template) => {
      const file = dir.write(
        `fr-he-${template}.md`,
        issue('fr', 'Un paragraphe en français.\n\nשלום לכולם.'),
      );
      const compiled = await compileIssue(loadIssue(file, { ...DIRS, issuesDir: dir.dir }, repoContext()), {
        templatesDir: TEMPLATES_DIR,
        publicUrl: PUBLIC_URL,
        template,
      });
      expect(compiled.html).toMatch(/<html[^>]*\bdir="ltr"/);
      expect(compiled.html).toMatch(/<p[^>]*dir="auto"[^>]*>שלום לכולם/);
    },
  );
});
