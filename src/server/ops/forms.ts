import { html } from 'hono/html';

export type Html = ReturnType<typeof html>;

/** The session's CSRF proof, in every form of the dashboard that changes something. */
export function csrfField(csrf: string | null): Html {
  return csrf ? html`<input type="hidden" name="_csrf" value="${csrf}">` : html``;
}
