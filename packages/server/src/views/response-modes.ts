/**
 * The two response modes that are pages rather than redirects: `form_post` (OAuth 2.0 Form Post
 * Response Mode) and Auth0's `web_message` (postMessage to the opener or parent frame).
 */
import { html, raw } from 'hono/html'
import type { Html } from './layout.js'

export function formPostPage(action: string, params: Record<string, string>, nonce: string): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><meta name="referrer" content="no-referrer" /><title>Continue</title></head>
<body>
  <form method="post" action="${action}">
    ${Object.entries(params).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
    <noscript><button type="submit">Continue</button></noscript>
  </form>
  <script nonce="${nonce}">document.forms[0].submit()</script>
</body></html>`
}

/** JSON for a <script> block: `<`, `>` and `&` escaped so the data cannot close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
}

export function webMessagePage(targetOrigin: string, response: Record<string, string>, nonce: string): Html {
  const message = scriptJson({ type: 'authorization_response', response })
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><meta name="referrer" content="no-referrer" /><title>Authorization response</title></head>
<body>
  <script nonce="${nonce}">
    (function () {
      var target = window.opener ? window.opener : window.parent;
      target.postMessage(${raw(message)}, ${raw(scriptJson(targetOrigin))});
    })();
  </script>
</body></html>`
}
