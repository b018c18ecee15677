import type { RootContent } from 'mdast';
import type { Article, Newsletter } from './data.ts';
import type { FrontMatter } from './frontmatter.ts';

/** Markdown blocks, already typeset, positions kept so later checks can name lines. */
export type Blocks = RootContent[];

export interface Section {
  id: string;
  title: string;
  line: number;
  blocks: Blocks;
}

/** The "Le saviez-vous ?" box or the conclusion: a titled run of blocks. */
export interface Box {
  title: string;
  line: number;
  blocks: Blocks;
}

/** A footnote, numbered once for the whole issue in the order its references first appear. */
export interface Footnote {
  number: number;
  line: number;
  blocks: Blocks;
}

/** One numéro of the newsletter, parsed and validated: what every template renders. */
export interface Issue {
  /** The path as the user gave it, used in every message about this file. */
  file: string;
  /** Stable identifier: the file name without `.md`. */
  slug: string;
  meta: FrontMatter & { template: string };
  intro: Blocks;
  sections: Section[];
  aside: Box | null;
  conclusion: Box | null;
  /** Every footnote definition, wherever it was written, rendered after the issue's last section. */
  footnotes: Footnote[];
  related: Article[];
  newsletter: Newsletter;
  /** File line of each front matter field, for checks that come later. */
  lineOf: (field: string) => number;
}
