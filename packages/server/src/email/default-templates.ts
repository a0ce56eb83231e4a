/**
 * Latchkey's own wording of each email, in English, in the template language of
 * template-language.ts. A deployment replaces any part with a file in LATCHKEY_EMAIL_TEMPLATES
 * (docs/email.md); these are the starting point to copy.
 */
import type { EmailTemplateName } from '@latchkey/core'

export interface TemplateSources {
  readonly subject: string
  readonly text: string
  readonly html: string
}

const GREETING = 'Hello{{#if user.name}} {{ user.name }}{{/if}},'

/** The HTML around every default email: one column, inline styles only (mail clients drop the rest). */
function page(body: string): string {
  return `<!doctype html>
<html{{#if locale}} lang="{{ locale }}"{{/if}}>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{ application.name }}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f5;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#18181b">
<div style="max-width:520px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px;line-height:1.5">
<p style="margin-top:0">${GREETING}</p>
${body}
<p style="margin-bottom:0;color:#71717a;font-size:13px">{{ application.name }}</p>
</div>
</body>
</html>
`
}

const button = (label: string) =>
  `<p><a href="{{ url }}" style="display:inline-block;background:#18181b;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px">${label}</a></p>
<p style="font-size:13px;color:#71717a">Or paste this link into your browser: <a href="{{ url }}" style="color:#71717a;word-break:break-all">{{ url }}</a></p>`

export const DEFAULT_TEMPLATES: Readonly<Record<EmailTemplateName, TemplateSources>> = {
  verify_email: {
    subject: 'Verify your email address for {{ application.name }}',
    text: `${GREETING}

Please confirm that {{ user.email }} is your email address for {{ application.name }} by opening this link:

{{ url }}

If you did not sign up, you can ignore this email.
`,
    html: page(`<p>Please confirm that <strong>{{ user.email }}</strong> is your email address for {{ application.name }}.</p>
${button('Verify my email address')}
<p>If you did not sign up, you can ignore this email.</p>`),
  },
  reset_email: {
    subject: 'Reset your password for {{ application.name }}',
    text: `${GREETING}

Someone asked to reset the password of {{ user.email }} for {{ application.name }}. To choose a new password, open this link:

{{ url }}

If it was not you, ignore this email: your password stays as it is.
`,
    html: page(`<p>Someone asked to reset the password of <strong>{{ user.email }}</strong> for {{ application.name }}.</p>
${button('Choose a new password')}
<p>If it was not you, ignore this email: your password stays as it is.</p>`),
  },
  password_changed: {
    subject: 'Your password for {{ application.name }} was changed',
    text: `${GREETING}

The password of {{ user.email }} for {{ application.name }} was just changed, and every device was signed out.

If you did not change it, reset your password at once{{#if url}}: {{ url }}{{/if}}
`,
    html: page(`<p>The password of <strong>{{ user.email }}</strong> for {{ application.name }} was just changed, and every device was signed out.</p>
<p>If you did not change it, reset your password at once{{#if url}}: <a href="{{ url }}">{{ url }}</a>{{/if}}.</p>`),
  },
  user_invitation: {
    subject: '{{#if inviter.name}}{{ inviter.name }} invited you{{else}}You are invited{{/if}} to {{#if organization.name}}{{ organization.name }} on {{/if}}{{ application.name }}',
    text: `${GREETING}

{{#if inviter.name}}{{ inviter.name }} invited you{{else}}You are invited{{/if}} to join {{#if organization.name}}{{ organization.name }} on {{/if}}{{ application.name }}. To accept, open this link:

{{ url }}

If you were not expecting this invitation, you can ignore this email.
`,
    html: page(`<p>{{#if inviter.name}}{{ inviter.name }} invited you{{else}}You are invited{{/if}} to join {{#if organization.name}}<strong>{{ organization.name }}</strong> on {{/if}}{{ application.name }}.</p>
${button('Accept the invitation')}
<p>If you were not expecting this invitation, you can ignore this email.</p>`),
  },
  welcome_email: {
    subject: 'Welcome to {{ application.name }}',
    text: `${GREETING}

Welcome to {{ application.name }}: your account {{ user.email }} is ready.
{{#if url}}
{{ url }}
{{/if}}`,
    html: page(`<p>Welcome to {{ application.name }}: your account <strong>{{ user.email }}</strong> is ready.</p>
{{#if url}}${button('Open {{ application.name }}')}{{/if}}`),
  },
}
