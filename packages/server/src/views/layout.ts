/**
 * The page frame shared by every server-rendered page: one stylesheet and no JavaScript, except where a
 * page adds its own static assets to the head (the demo playground).
 */
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>

export function layout(title: string, body: Html, head: Html | '' = ''): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>${title} · Latchkey</title>
    <link rel="stylesheet" href="/u/assets/latchkey.css" />
    ${head}
  </head>
  <body>
    <main class="card">
      <p class="brand" aria-hidden="true">Latchkey</p>
      ${body}
    </main>
  </body>
</html>`
}
