/**
 * The small language of email templates: `{{ path.to.value }}` inserts a variable, escaped for where
 * it goes (HTML, a header, plain text); `{{#if path}} … {{else}} … {{/if}}` keeps a part when the
 * value is present (not null, not empty). Nothing else: templates never run code. A template is
 * compiled once, at start-up, so a mistake in an override stops the server with the file's name.
 */
import { html } from 'hono/html'

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly path: readonly string[] }
  | { readonly kind: 'if'; readonly path: readonly string[]; readonly whenPresent: Node[]; readonly whenAbsent: Node[] }

/** How inserted values are made safe for the part they go into. */
export type Escape = (value: string) => string

/** HTML: `& < > " '` escaped (hono's escaping, as every page of Latchkey). */
export const escapeHtml: Escape = (value) => String(html`${value}`)

/** A header (the subject) or a line of plain text: no line breaks or other control characters. */
export const oneLine: Escape = (value) => Array.from(value, (ch) => (isControl(ch) ? ' ' : ch)).join('').replace(/ {2,}/g, ' ')

/** C0 controls (CR, LF, tab, NUL …), DEL, NEL and the Unicode line and paragraph separators. */
function isControl(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0
  return code < 0x20 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029
}

export class TemplateSyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TemplateSyntaxError'
  }
}

const TAG = /\{\{\s*(#if\s+[A-Za-z_][\w.]*|else|\/if|[A-Za-z_][\w.]*)\s*\}\}/g

export interface CompiledTemplate {
  render(variables: object, safe: Escape): string
}

/** Compiles `source`; `known` are the variable names a path may start with (a typo is an error). */
export function compileTemplate(source: string, known: ReadonlySet<string>): CompiledTemplate {
  const root: Node[] = []
  const stack: { nodes: Node[]; node: Extract<Node, { kind: 'if' }> | null; inElse: boolean }[] = [{ nodes: root, node: null, inElse: false }]
  const top = () => stack[stack.length - 1] as (typeof stack)[number]
  const pathOf = (text: string): string[] => {
    const path = text.split('.')
    if (!known.has(path[0] as string) || path.some((p) => p === '')) throw new TemplateSyntaxError(`unknown variable {{ ${text} }} (known: ${[...known].join(', ')})`)
    return path
  }
  let last = 0
  for (const match of source.matchAll(TAG)) {
    const index = match.index ?? 0
    if (index > last) top().nodes.push({ kind: 'text', text: source.slice(last, index) })
    last = index + match[0].length
    const tag = match[1] as string
    if (tag.startsWith('#if')) {
      const node = { kind: 'if' as const, path: pathOf(tag.slice(3).trim()), whenPresent: [], whenAbsent: [] }
      top().nodes.push(node)
      stack.push({ nodes: node.whenPresent, node, inElse: false })
    } else if (tag === 'else') {
      const frame = top()
      if (!frame.node || frame.inElse) throw new TemplateSyntaxError('{{else}} outside {{#if}}')
      frame.inElse = true
      frame.nodes = frame.node.whenAbsent
    } else if (tag === '/if') {
      if (stack.length === 1) throw new TemplateSyntaxError('{{/if}} without {{#if}}')
      stack.pop()
    } else {
      top().nodes.push({ kind: 'value', path: pathOf(tag) })
    }
  }
  if (stack.length > 1) throw new TemplateSyntaxError('{{#if}} without {{/if}}')
  if (last < source.length) root.push({ kind: 'text', text: source.slice(last) })
  return { render: (variables, safe) => renderNodes(root, variables, safe) }
}

function lookup(variables: object, path: readonly string[]): unknown {
  let value: unknown = variables
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

function renderNodes(nodes: readonly Node[], variables: object, safe: Escape): string {
  let out = ''
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text
    else if (node.kind === 'value') {
      const value = lookup(variables, node.path)
      if (typeof value === 'string' || typeof value === 'number') out += safe(String(value))
    } else {
      const value = lookup(variables, node.path)
      const present = value !== null && value !== undefined && value !== '' && value !== false
      out += renderNodes(present ? node.whenPresent : node.whenAbsent, variables, safe)
    }
  }
  return out
}
