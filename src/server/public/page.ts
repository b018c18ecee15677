import type { MiddlewareHandler } from 'hono';
import { html } from 'hono/html';

export type Html = ReturnType<typeof html>;

/** A public page: the reader's language, no script, light and dark. */
export function page(lang: string, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>:root{color-scheme:light dark;font-family:system-ui,sans-serif}body{max-width:36rem;margin:10vh auto;padding:0 1rem;line-height:1.5}
button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:0;background:#00607a;color:#fff;cursor:pointer}
label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=text]{font:inherit;width:100%;padding:.5rem;box-sizing:border-box}
fieldset{border:0;padding:0;margin:.8rem 0}fieldset label{display:inline;margin:0}</style>
</head>
<body><main><h1>${title}</h1>${body}</main></body>
</html>`;
}

/**
 * The headers of every public page: nothing caches them, frames them or runs in them. `referrer`:
 * `no-referrer` where the URL is a token (unsubscribe, confirmation); `same-origin` where the page
 * posts a form to itself (a browser then sends its Origin, which `no-referrer` makes "null").
 */
export function pageHeaders(referrer: 'no-referrer' | 'same-origin'): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', referrer);
    c.header('Cache-Control', 'no-store');
  };
}
