import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIssue } from '../../src/content/load.ts';
import { compileIssue } from '../../src/render/compile.ts';
import { fromFlowed } from '../../src/render/flowed.ts';
import { Personalizer } from '../../src/render/personalize.ts';
import { DIRS, PUBLIC_URL, ROOT, repoContext, TEMPLATES_DIR } from '../helpers/fixtures.ts';

const FILE = path.join(ROOT, 'test/fixtures/render-issues/merge-links.md');
const links = {
  unsubscribeUrl: 'https://lettre.example.org/unsubscribe/1.2.3.abc',
  browserUrl: 'https://lettre.example.org/issues/90',
};
const reader = {
  email: 'zoé+lettre@example.org',
  firstName: 'Zoé',
  lastName: "D'Arc & fils",
  attributes: { city: 'Nur-Sultan/Astana' },
};
const profile =
  "https://lettre.example.org/profil?email=zo%C3%A9%2Blettre%40example.org&nom=Zo%C3%A9%20D'Arc%20%26%20fils&prenom=Zo%C3%A9&famille=D'Arc%20%26%20fils&ville=Nur-Sultan%2FAstana";

describe.each(['weekly.tsx', 'weekly.mjml'])('merge fields inside link URLs, with %s', (template) => {
  it('fills every documented field in a link, in the HTML and in the text part; values inside a URL are percent-encoded', async () => {
    const issue = loadIssue(FILE, DIRS, repoContext());
    const compiled = await compileIssue(issue, {
      templatesDir: TEMPLATES_DIR,
      publicUrl: PUBLIC_URL,
      template,
    });
    const out = new Personalizer(compiled).fill(reader, links);
    const text = fromFlowed(out.text);
    expect(text).toContain(`Se désabonner [${links.unsubscribeUrl}]`);
    expect(text).toContain(`Version web [${links.browserUrl}]`);
    expect(text).toContain(`Mon profil [${profile}]`);
    expect(out.text).not.toMatch(/%7B|\{\{/);
    expect(out.html).toContain(`href="${links.unsubscribeUrl}"`);
    expect(out.html).toContain(`href="${links.browserUrl}"`);
    // In the HTML attribute, & and ' are entity-encoded on top: decode them to compare.
    const hrefs = [...out.html.matchAll(/href="([^"]*profil[^"]*)"/g)].map((m) =>
      (m[1] ?? '')
        .replace(/&amp;|&#x26;/g, '&')
        .replace(/&#x27;|&#39;/g, "'")
        .replace(/&#x3D;/g, '='),
    );
    expect(hrefs).toEqual([profile]);
    // A plus sign in the address reaches the server as a plus, not a space.
    expect(new URL(profile).searchParams.get('email')).toBe(reader.email);
  });
});
