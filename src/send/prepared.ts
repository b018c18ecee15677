import type { CompiledIssue } from '../render/compile.ts';
import { type Personalized, Personalizer, type Reader, type ReaderLinks } from '../render/personalize.ts';
import { type QpBody, qpBody, qpRun } from './qp.ts';

/** A reader's message content, its two parts already in quoted-printable. */
export interface EncodedContent {
  subject: string;
  html: QpBody;
  text: QpBody;
}

type Run = Buffer | ((ctx: Record<string, unknown>) => string);

/**
 * The compiled issue made ready to send, once per campaign and worker: the fixed text of each part
 * (almost all of it) is encoded to quoted-printable here, once; per reader only the merge fields
 * are executed and encoded, and the message is those runs copied in order. What a reader gets
 * decodes to exactly what `Personalizer.fill` gives (test/send/prepared.test.ts holds it to that).
 */
export class PreparedIssue {
  readonly personalizer: Personalizer;
  private readonly html: Run[];
  private readonly text: Run[];

  constructor(compiled: CompiledIssue) {
    this.personalizer = new Personalizer(compiled);
    this.html = encodeFixed(this.personalizer.pieces('html'));
    this.text = encodeFixed(this.personalizer.pieces('text'));
  }

  fill(reader: Reader, links: ReaderLinks): EncodedContent {
    const ctx = this.personalizer.context(reader, links);
    return {
      subject: this.personalizer.subject(ctx),
      html: join(this.html, ctx),
      text: join(this.text, ctx),
    };
  }
}

/** Content filled whole (a test copy, the web version), encoded as it is. */
export function encodeContent(c: Personalized): EncodedContent {
  return { subject: c.subject, html: qpBody(c.html), text: qpBody(c.text) };
}

function encodeFixed(pieces: ReturnType<Personalizer['pieces']>): Run[] {
  return pieces.map((p) => (typeof p === 'string' ? qpRun(p) : p));
}

function join(runs: readonly Run[], ctx: Record<string, unknown>): QpBody {
  const chunks: Buffer[] = new Array(runs.length);
  let size = 0;
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i] as Run;
    const c = typeof r === 'function' ? qpRun(r(ctx)) : r;
    chunks[i] = c;
    size += c.length;
  }
  return { chunks, size };
}
