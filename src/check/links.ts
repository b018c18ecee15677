import fs from 'node:fs';
import path from 'node:path';
import { type ChildNode, type Element, isTag, isText } from 'domhandler';
import { parseDocument } from 'htmlparser2';

/**
 * Every link and image of a personalised message, as a reader gets it, with what numero can say
 * about each offline: the scheme, `http:`, a link whose text is an address other than its target
 * (what phishing looks like, and what filters score), an image without alt text or size, an image
 * file over 200 KB, and which links are the unsubscribe and web-version ones.
 */

export const IMAGE_WARN_BYTES = 200 * 1024;

export interface LinkItem {
  kind: 'link' | 'image';
  /** The link's visible text, or the image's alt. */
  text: string;
  url: string;
  role: 'unsubscribe' | 'web version' | null;
  problems: string[];
}

export interface LinkContext {
  unsubscribeUrl: string;
  browserUrl: string;
  /** The public URL images are served under, and the folder they come from (for their size). */
  publicUrl: string;
  issuesDir: string;
}

const textOf = (n: ChildNode): string =>
  isText(n) ? n.data : isTag(n) ? n.children.map(textOf).join('') : '';

function hostOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}

/** The local file an image URL names, when it is one of the issue folder's files. */
function localFile(url: string, ctx: LinkContext): string | null {
  const prefix = `${ctx.publicUrl}/issues/files/`;
  if (!url.startsWith(prefix)) return null;
  const rel = decodeURIComponent(url.slice(prefix.length));
  const file = path.resolve(ctx.issuesDir, rel);
  return file.startsWith(path.resolve(ctx.issuesDir) + path.sep) ? file : null;
}

export function linksAndImages(html: string, ctx: LinkContext): LinkItem[] {
  const doc = parseDocument(html, { decodeEntities: true });
  const out: LinkItem[] = [];
  const walk = (nodes: ChildNode[]) => {
    for (const n of nodes) {
      if (!isTag(n)) continue;
      if (n.name === 'a' && n.attribs.href !== undefined) out.push(link(n, ctx));
      else if (n.name === 'img') out.push(image(n, ctx));
      walk(n.children);
    }
  };
  walk(doc.children);
  return out;
}

function link(a: Element, ctx: LinkContext): LinkItem {
  const url = a.attribs.href ?? '';
  const text = textOf(a).replace(/\s+/g, ' ').trim();
  const problems: string[] = [];
  if (/^http:/i.test(url)) problems.push('http: the link is not encrypted; use https');
  else if (!/^(https:|mailto:|tel:|#)/i.test(url)) problems.push(`scheme not allowed: ${url.slice(0, 40)}`);
  // A visible address that is not where the link goes: readers and spam filters distrust it.
  const shown = /^(https?:\/\/|www\.)\S+$/i.test(text)
    ? hostOf(text.startsWith('www.') ? `https://${text}` : text)
    : null;
  const target = hostOf(url);
  if (shown && target && shown !== target)
    problems.push(`the text shows ${shown} but the link goes to ${target} (looks like phishing)`);
  if (!text && !a.children.some((c) => isTag(c) && c.name === 'img'))
    problems.push('no text: a reader cannot tell where it goes');
  const role = url === ctx.unsubscribeUrl ? 'unsubscribe' : url === ctx.browserUrl ? 'web version' : null;
  return { kind: 'link', text, url, role, problems };
}

function image(img: Element, ctx: LinkContext): LinkItem {
  const url = img.attribs.src ?? '';
  const alt = img.attribs.alt;
  const problems: string[] = [];
  if (alt === undefined || alt.trim() === '')
    problems.push('no alt text: blocked images and screen readers show nothing');
  if (!img.attribs.width || !img.attribs.height)
    problems.push(
      'no width and height: the layout jumps when images load, and Outlook may show it at full size',
    );
  if (/^http:/i.test(url)) problems.push('http: blocked as mixed content by some clients; use https');
  const file = localFile(url, ctx);
  if (file && fs.existsSync(file)) {
    const size = fs.statSync(file).size;
    if (size > IMAGE_WARN_BYTES)
      problems.push(
        `${Math.round(size / 1024)} KB: over ${IMAGE_WARN_BYTES / 1024} KB, slow on a phone; resize or compress it`,
      );
  }
  return { kind: 'image', text: alt ?? '', url, role: null, problems };
}
