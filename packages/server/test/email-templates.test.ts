/**
 * Email templates: Latchkey's defaults for Auth0's five template names, variables escaped for where
 * they land (HTML, the subject header, plain text), per-deployment overrides from a folder with a
 * locale's files chosen first, and a broken override refused at start-up.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadConfig } from '../src/config.js'
import { EmailTemplates, TEMPLATE_NAMES, type TemplateVariables } from '../src/email/templates.js'

const variables = (overrides: Partial<TemplateVariables> = {}): TemplateVariables => ({
  application: { name: 'Appointments' },
  user: { email: 'ada@example.com', name: 'Ada' },
  url: 'https://login.example.com/u/reset-password?ticket=abc&x=1',
  organization: null,
  inviter: null,
  locale: null,
  ...overrides,
})

const folders: string[] = []
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-templates-'))
  folders.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}
after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

describe('default templates', () => {
  const templates = EmailTemplates.defaults()

  it('has a subject, text and HTML for each of Auth0\'s template names', () => {
    for (const name of TEMPLATE_NAMES) {
      const email = templates.render(name, variables({ organization: { name: 'Acme' }, inviter: { name: 'Grace' } }))
      assert.ok(email.subject.length > 5, name)
      assert.match(email.subject, /Appointments/, name)
      assert.match(email.text, /Hello Ada,/, name)
      assert.match(email.html, /^<!doctype html>/, name)
    }
  })

  it('puts the link in the text and (HTML-escaped) in the HTML', () => {
    const email = templates.render('reset_email', variables())
    assert.ok(email.text.includes('https://login.example.com/u/reset-password?ticket=abc&x=1'))
    assert.ok(email.html.includes('href="https://login.example.com/u/reset-password?ticket=abc&amp;x=1"'))
  })

  it('greets without a name when there is none, and names the inviter and organization', () => {
    assert.match(templates.render('verify_email', variables({ user: { email: 'a@example.com', name: null } })).text, /^Hello,/)
    const invitation = templates.render('user_invitation', variables({ organization: { name: 'Acme' }, inviter: { name: 'Grace' } }))
    assert.equal(invitation.subject, 'Grace invited you to Acme on Appointments')
    assert.equal(templates.render('user_invitation', variables()).subject, 'You are invited to Appointments')
  })

  it('escapes variables: HTML in the HTML, no line breaks in the subject or the text', () => {
    const hostile = variables({
      application: { name: 'Evil\r\nBcc: victim@example.com <script>alert(1)</script>' },
      user: { email: 'ada@example.com', name: '<img src=x onerror=alert(1)>"\'&' },
    })
    for (const name of TEMPLATE_NAMES) {
      const email = templates.render(name, hostile)
      assert.ok(!/[\r\n]/.test(email.subject), `${name} subject: ${JSON.stringify(email.subject)}`)
      assert.ok(!email.html.includes('<script>') && !email.html.includes('<img'), `${name} html`)
      assert.ok(email.html.includes('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;'), `${name} html escaping`)
      assert.ok(!email.text.includes('\nBcc:'), `${name} text`)
    }
  })
})

describe('overrides from LATCHKEY_EMAIL_TEMPLATES', () => {
  it('replaces each part on its own; a missing file keeps the default', () => {
    const dir = folder({ 'reset_email.subject.txt': 'Nouveau mot de passe pour {{ application.name }}\n', 'notes.md': 'not a template' })
    const templates = EmailTemplates.load(dir)
    const email = templates.render('reset_email', variables())
    assert.equal(email.subject, 'Nouveau mot de passe pour Appointments')
    assert.equal(email.text, EmailTemplates.defaults().render('reset_email', variables()).text)
    assert.deepEqual(templates.ignored, ['notes.md'])
  })

  it('picks the user\'s locale first (pt-BR, then pt), else the plain override', () => {
    const dir = folder({
      'verify_email.txt': 'plain {{ user.email }}',
      'verify_email.pt.txt': 'pt {{ user.email }}',
      'verify_email.fr.subject.txt': 'Vérifiez votre adresse, {{ user.name }}',
      'verify_email.fr.html': '<p>Bonjour {{ user.name }}</p>',
    })
    const templates = EmailTemplates.load(dir)
    assert.equal(templates.render('verify_email', variables({ locale: 'pt-BR' })).text, 'pt ada@example.com\n')
    assert.equal(templates.render('verify_email', variables({ locale: 'de' })).text, 'plain ada@example.com\n')
    const fr = templates.render('verify_email', variables({ locale: 'fr', user: { email: 'a@example.com', name: '<b>Zoé</b>' } }))
    assert.equal(fr.subject, 'Vérifiez votre adresse, <b>Zoé</b>')
    assert.equal(fr.html, '<p>Bonjour &lt;b&gt;Zoé&lt;/b&gt;</p>')
    assert.equal(fr.text, 'plain a@example.com\n')
    // A locale that is not one (a path, say) is ignored.
    assert.equal(templates.render('verify_email', variables({ locale: '../fr' })).text, 'plain ada@example.com\n')
  })

  it('refuses to start with a template that does not compile, naming the file', () => {
    assert.throws(() => EmailTemplates.load(folder({ 'welcome_email.html': '<p>{{ usr.name }}</p>' })), /welcome_email\.html: unknown variable \{\{ usr\.name \}\}/)
    assert.throws(() => EmailTemplates.load(folder({ 'welcome_email.txt': '{{#if url}}open' })), /welcome_email\.txt: \{\{#if\}\} without \{\{\/if\}\}/)
    assert.throws(() => EmailTemplates.load('/nonexistent/latchkey-templates'), /LATCHKEY_EMAIL_TEMPLATES: cannot read the folder/)
  })
})

describe('email settings', () => {
  const load = (env: Record<string, string>, input: { issuer?: string; demo?: boolean } = {}) => loadConfig({ port: 3000, ...input }, { LATCHKEY_SECRET: 'x'.repeat(43), ...env })

  it('defaults: no SMTP, From no-reply@{issuer host}, 30 days, the development outbox only with the demo', () => {
    const plain = load({}, { issuer: 'https://login.example.com/' }).email
    assert.deepEqual(plain, { smtpUrl: null, from: 'Latchkey <no-reply@login.example.com>', devOutbox: false, templatesDir: null, retentionDays: 30, verification: 'optional', welcome: false })
    assert.equal(load({}, { demo: true }).email.devOutbox, true)
    assert.equal(load({ LATCHKEY_DEV_OUTBOX: 'off' }, { demo: true }).email.devOutbox, false)
    assert.equal(load({ LATCHKEY_DEV_OUTBOX: 'on' }).email.devOutbox, true)
  })

  it('reads the SMTP URL and From, refusing what is not one', () => {
    const email = load({ LATCHKEY_SMTP_URL: 'smtp://user:p%40ss@mail.example.com:587', LATCHKEY_EMAIL_FROM: 'Acme <auth@acme.example>', LATCHKEY_EMAIL_RETENTION_DAYS: '7' }).email
    assert.equal(email.smtpUrl, 'smtp://user:p%40ss@mail.example.com:587')
    assert.equal(email.from, 'Acme <auth@acme.example>')
    assert.equal(email.retentionDays, 7)
    assert.throws(() => load({ LATCHKEY_SMTP_URL: 'http://mail.example.com' }), /LATCHKEY_SMTP_URL must start with smtp:\/\/ or smtps:\/\//)
    assert.throws(() => load({ LATCHKEY_EMAIL_FROM: 'a@b.example\r\nBcc: c@d.example' }), /LATCHKEY_EMAIL_FROM/)
    assert.throws(() => load({ LATCHKEY_EMAIL_RETENTION_DAYS: 'week' }), /LATCHKEY_EMAIL_RETENTION_DAYS/)
    assert.throws(() => load({ LATCHKEY_DEV_OUTBOX: 'maybe' }), /LATCHKEY_DEV_OUTBOX must be on or off/)
  })

  it('reads whether verification is required and whether sign-ups are welcomed', () => {
    assert.equal(load({ LATCHKEY_EMAIL_VERIFICATION: 'Required' }).email.verification, 'required')
    assert.equal(load({ LATCHKEY_EMAIL_VERIFICATION: 'optional' }).email.verification, 'optional')
    assert.throws(() => load({ LATCHKEY_EMAIL_VERIFICATION: 'sometimes' }), /LATCHKEY_EMAIL_VERIFICATION must be optional or required/)
    assert.equal(load({ LATCHKEY_WELCOME_EMAIL: 'on' }).email.welcome, true)
    assert.throws(() => load({ LATCHKEY_WELCOME_EMAIL: 'perhaps' }), /LATCHKEY_WELCOME_EMAIL/)
  })

  it('refuses the development outbox on a public issuer unless forced; the forced demo does not turn it on', () => {
    assert.throws(() => load({ LATCHKEY_DEV_OUTBOX: 'on' }, { issuer: 'https://login.example.com/' }), /refusing to turn on the development outbox/)
    assert.equal(load({ LATCHKEY_DEV_OUTBOX: 'on', LATCHKEY_DEV_OUTBOX_ON_PUBLIC_ISSUER: 'on' }, { issuer: 'https://login.example.com/' }).email.devOutbox, true)
    assert.equal(load({ LATCHKEY_DEMO_ON_PUBLIC_ISSUER: 'on' }, { issuer: 'https://demo.example.com/', demo: true }).email.devOutbox, false)
  })
})
