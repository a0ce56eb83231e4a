/**
 * The emails' templates (Auth0's names: verify_email, reset_email, password_changed,
 * user_invitation, welcome_email): Latchkey's defaults (default-templates.ts) and a deployment's
 * overrides, read once at start-up from the folder LATCHKEY_EMAIL_TEMPLATES:
 *
 *   {name}.subject.txt, {name}.txt, {name}.html              every locale
 *   {name}.{locale}.subject.txt, {name}.{locale}.txt, …      one locale (`fr`, `pt-BR`)
 *
 * Each part is looked up on its own: the user's locale (`pt-BR`, then `pt`), then the plain override,
 * then the default. Variables are escaped for where they land: HTML-escaped in the HTML, one line
 * (no CR/LF, no control characters) in the subject and the plain text.
 */
import type { EmailTemplateName } from '@latchkey/core'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_TEMPLATES, type TemplateSources } from './default-templates.js'
import { type CompiledTemplate, compileTemplate, escapeHtml, oneLine, TemplateSyntaxError } from './template-language.js'

export const TEMPLATE_NAMES: readonly EmailTemplateName[] = ['verify_email', 'reset_email', 'password_changed', 'user_invitation', 'welcome_email']

/** What a template may use; the callers fill in what they know (null: unknown or not relevant). */
export interface TemplateVariables {
  /** The application the user came from (the tenant's name when none). */
  readonly application: { readonly name: string }
  readonly user: { readonly email: string; readonly name: string | null }
  /** The link the email is for (verification, reset, invitation), or null. */
  readonly url: string | null
  readonly organization: { readonly name: string } | null
  /** Who sent an invitation. */
  readonly inviter: { readonly name: string } | null
  /** The user's locale (BCP 47, `fr`, `pt-BR`) when known: picks `{name}.{locale}.…` overrides. */
  readonly locale: string | null
}

/** An email ready to send. */
export interface RenderedEmail {
  readonly subject: string
  readonly text: string
  readonly html: string
}

type Part = keyof TemplateSources
const PARTS: readonly (readonly [Part, string])[] = [
  ['subject', '.subject.txt'],
  ['text', '.txt'],
  ['html', '.html'],
]
const KNOWN_VARIABLES: ReadonlySet<string> = new Set(['application', 'user', 'url', 'organization', 'inviter', 'locale'])
const LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i
/** Subjects longer than this are cut (RFC 5322 recommends lines under 78 characters; clients show about 60). */
const MAX_SUBJECT = 200
const MAX_FILE_BYTES = 256 * 1024

/** `pt-BR` → `pt-br`, `pt`; invalid or absent → none. */
function localeCandidates(locale: string | null): string[] {
  if (!locale || !LOCALE.test(locale)) return []
  const parts = locale.toLowerCase().split('-')
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('-'))
}

/** `reset_email.fr.subject.txt` → its template, locale (or null) and part; null for any other name. */
function parseFileName(file: string): { name: EmailTemplateName; locale: string | null; part: Part } | null {
  const name = TEMPLATE_NAMES.find((n) => file.startsWith(`${n}.`))
  if (!name) return null
  for (const [part, suffix] of PARTS) {
    if (!file.endsWith(suffix)) continue
    const middle = file.slice(name.length, file.length - suffix.length)
    if (middle === '') return { name, locale: null, part }
    if (middle.startsWith('.') && LOCALE.test(middle.slice(1))) return { name, locale: middle.slice(1).toLowerCase(), part }
    return null
  }
  return null
}

export class EmailTemplates {
  /** `{name}.{locale|''}.{part}` → the compiled template. */
  readonly #compiled = new Map<string, CompiledTemplate>()
  /** The override files read, for the start-up log. */
  readonly overrides: readonly string[]
  /** Files in the folder that are not templates (a typo in a name would otherwise go unnoticed). */
  readonly ignored: readonly string[]

  private constructor(overrides: Map<string, { file: string; source: string }>, ignored: string[]) {
    for (const name of TEMPLATE_NAMES) {
      for (const [part] of PARTS) this.#compiled.set(`${name}..${part}`, compile(DEFAULT_TEMPLATES[name][part], `the default ${name} ${part}`))
    }
    for (const [key, { file, source }] of overrides) this.#compiled.set(key, compile(source, file))
    this.overrides = [...overrides.values()].map((o) => o.file).sort()
    this.ignored = ignored.sort()
  }

  /** Latchkey's defaults only. */
  static defaults(): EmailTemplates {
    return new EmailTemplates(new Map(), [])
  }

  /**
   * The defaults with the overrides in `dir` (null: none). Throws, naming the file, when the folder
   * cannot be read or a template does not compile: the server does not start with a broken email.
   */
  static load(dir: string | null): EmailTemplates {
    if (dir === null) return EmailTemplates.defaults()
    let files: string[]
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a folder')
      files = readdirSync(dir)
    } catch (error) {
      throw new Error(`LATCHKEY_EMAIL_TEMPLATES: cannot read the folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    const overrides = new Map<string, { file: string; source: string }>()
    const ignored: string[] = []
    for (const file of files) {
      const parsed = parseFileName(file)
      if (!parsed) {
        ignored.push(file)
        continue
      }
      const path = join(dir, file)
      if (statSync(path).size > MAX_FILE_BYTES) throw new Error(`LATCHKEY_EMAIL_TEMPLATES: ${path} is larger than ${MAX_FILE_BYTES / 1024} KB`)
      overrides.set(`${parsed.name}.${parsed.locale ?? ''}.${parsed.part}`, { file: path, source: readFileSync(path, 'utf8') })
    }
    return new EmailTemplates(overrides, ignored)
  }

  render(name: EmailTemplateName, variables: TemplateVariables): RenderedEmail {
    const locales = [...localeCandidates(variables.locale), '']
    const template = (part: Part): CompiledTemplate => {
      for (const locale of locales) {
        const found = this.#compiled.get(`${name}.${locale}.${part}`)
        if (found) return found
      }
      throw new Error(`no ${part} template for ${name}`)
    }
    const subject = oneLine(template('subject').render(variables, oneLine)).replace(/\s+/g, ' ').trim()
    return {
      subject: subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 1)}…` : subject,
      text: `${template('text').render(variables, oneLine).trimEnd()}\n`,
      html: template('html').render(variables, escapeHtml),
    }
  }
}

function compile(source: string, where: string): CompiledTemplate {
  try {
    return compileTemplate(source, KNOWN_VARIABLES)
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw new Error(`email template ${where}: ${error.message}`)
    throw error
  }
}
