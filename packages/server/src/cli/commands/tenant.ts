/**
 * `latchkey import tenant tenant.yaml` and `latchkey export tenant`: a tenant's configuration in the
 * Auth0 Deploy CLI's YAML format. The import plans first (migration/tenant-plan.ts), then applies
 * (migration/tenant-apply.ts), or with --dry-run only prints the plan; its report lists what was
 * created, updated, unchanged, and what was not carried over with a reason. Exit 0 when everything
 * was carried over, 1 when something was not, 2 when the file is unusable.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { RegistrationError } from '@latchkey/core'
import type { KeyEncryption } from '../../keys/key-encryption.js'
import { applyPlan, exitStatus, planReport, type ReportItem, type TenantReport } from '../../migration/tenant-apply.js'
import { exportTenant } from '../../migration/tenant-export.js'
import { planTenant } from '../../migration/tenant-plan.js'
import { readTenantYaml, type TenantFile, TenantFileError } from '../../migration/tenant-yaml.js'
import type { Command } from 'commander'
import { CliError, type CommonOptions, issuerRules, leaf, print, run, write } from '../run.js'
import { encryptionFor } from './keys.js'

interface ImportOptions extends CommonOptions {
  dryRun?: boolean
  secrets?: string
  keywords?: string
  issuer?: string
}

interface ExportOptions extends CommonOptions {
  output?: string
}

/** A JSON object of strings (or, for keywords, of any JSON values) from a file; exit 2 when it is not one. */
function readJsonObject(file: string, flag: string, strings: boolean): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new CliError(`${flag}: cannot read ${file} as JSON (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 2)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CliError(`${flag}: expected a JSON object`, 2)
  if (strings) {
    const bad = Object.entries(value).find(([, v]) => typeof v !== 'string')
    if (bad) throw new CliError(`${flag}: the value of ${JSON.stringify(bad[0])} is not a string`, 2)
  }
  return value as Record<string, unknown>
}

/** A JSON object of keyword values, or the Deploy CLI's config.json, whose AUTH0_KEYWORD_REPLACE_MAPPINGS holds them. */
function keywordsOf(value: Record<string, unknown>): Record<string, unknown> {
  const mappings = value.AUTH0_KEYWORD_REPLACE_MAPPINGS
  return mappings !== null && typeof mappings === 'object' && !Array.isArray(mappings) ? (mappings as Record<string, unknown>) : value
}

const VERBS: Readonly<Record<ReportItem['action'], [string, string]>> = {
  create: ['create', 'created'],
  update: ['update', 'updated'],
  unchanged: ['unchanged', 'unchanged'],
  skip: ['not carried over', 'not carried over'],
  fail: ['refused', 'failed'],
}

/** The report as text: one line per object, its left-out fields under it, new secrets at the end. */
export function humanReport(report: TenantReport): string {
  const lines: string[] = report.dry_run ? ['Dry run: nothing was changed. The import would do this:'] : []
  let section = ''
  for (const i of report.items) {
    if (i.type !== section) {
      section = i.type
      lines.push(section)
    }
    const verb = VERBS[i.action][report.dry_run ? 0 : 1]
    const id = i.id !== undefined && i.id !== i.name ? ` (${i.id})` : ''
    const detail = i.changes?.length ? `: ${i.changes.join(', ')}` : i.reason !== undefined ? `: ${i.reason}` : ''
    lines.push(`  ${verb.padEnd(16)} ${i.name}${id}${detail}`)
    for (const left of i.not_carried_over ?? []) lines.push(`      not carried over: ${left.field}: ${left.reason}`)
  }
  const secrets = report.items.filter((i) => i.client_secret !== undefined || i.client_secret_source === 'file')
  if (secrets.length > 0) {
    lines.push('', 'Client secrets of the new applications (shown once: store them now):')
    for (const i of secrets) lines.push(`  ${i.name} (${i.id}): ${i.client_secret ?? 'the secret from --secrets'}`)
  }
  const s = report.summary
  lines.push(
    '',
    `${report.dry_run ? 'Would be: ' : ''}${s.create} created, ${s.update} updated, ${s.unchanged} unchanged, ${s.skip} not carried over, ${s.fail} failed; ${s.fields_not_carried_over} fields not carried over`,
  )
  return lines.join('\n')
}

/** `latchkey import tenant`. */
export function registerImportTenant(importing: Command): void {
  leaf(importing, 'tenant <file>', "Create or update applications, APIs, client grants, roles, connections, organizations and actions from the Auth0 Deploy CLI's tenant.yaml", (cmd) =>
    cmd
      .option('--dry-run', 'print the plan and change nothing')
      .option('--secrets <file>', 'a JSON object from client name or client_id to client secret, for new confidential applications (else a secret is generated and printed once), and from "connection:NAME" to a new connection\'s client secret')
      .option('--keywords <file>', "the values of the Deploy CLI's keywords (##KEY## and @@KEY@@): a JSON object, or the Deploy CLI's config.json with AUTH0_KEYWORD_REPLACE_MAPPINGS")
      .option('--issuer <url>', "the server's issuer, for the URL rules (env LATCHKEY_ISSUER): while it is http, http URLs on any host are accepted")
      .addHelpText(
        'after',
        '\nExit status: 0 everything carried over, 1 something not carried over or refused (listed with reasons), 2 the file is unusable.\nExample: latchkey import tenant ./tenant.yaml --dry-run',
      ),
  ).action((file: string, opts: ImportOptions) => importTenant(file, opts))
}

async function importTenant(file: string, opts: ImportOptions): Promise<void> {
  await run(opts, async (store) => {
    let tenant: TenantFile
    try {
      const keywords = opts.keywords === undefined ? {} : keywordsOf(readJsonObject(opts.keywords, '--keywords', false))
      tenant = readTenantYaml(file, keywords)
    } catch (error) {
      if (error instanceof TenantFileError) throw new CliError(`${file}: ${error.message}`, 2)
      throw error
    }
    const secrets = opts.secrets === undefined ? {} : (readJsonObject(opts.secrets, '--secrets', true) as Record<string, string>)
    let encryption: Promise<KeyEncryption> | undefined
    const plan = await planTenant(tenant, store, { secrets, urlRules: issuerRules(opts), encryption: () => (encryption ??= encryptionFor(store, opts).catch(needKey)) })
    const report = opts.dryRun ? planReport(plan) : await applyPlan(plan, store)
    print(opts, report, () => humanReport(report))
    if (exitStatus(report) !== 0) {
      const { skip, fail, fields_not_carried_over: fields } = report.summary
      throw new CliError(`not everything was carried over: ${skip} objects skipped, ${fail} failed, ${fields} fields left out (listed above, with reasons)`)
    }
  })
}

/** Without the key-encryption key, only the actions are refused (the rest is imported). */
function needKey(error: unknown): never {
  throw new RegistrationError(`actions need the server's key-encryption key (LATCHKEY_SECRET): ${(error as Error).message}`)
}

/** `latchkey export tenant`. */
export function registerExportTenant(exporting: Command): void {
  leaf(exporting, 'tenant', "Write the configuration (applications with their client_ids, APIs, client grants, roles, connections, organizations, actions) as the Auth0 Deploy CLI's tenant.yaml; no secrets", (cmd) =>
    cmd
      .option('-o, --output <file>', 'write to this file (action code goes to actions/ beside it); default: standard output')
      .addHelpText('after', '\nRead back with latchkey import tenant FILE. Client and connection secrets are never written.\nExample: latchkey export tenant --output tenant.yaml'),
  ).action((opts: ExportOptions) =>
    run(opts, async (store) => {
      const exported = await exportTenant(store, opts.output)
      if (opts.output === undefined) {
        write(exported.yaml)
        return
      }
      writeFileSync(opts.output, exported.yaml, { mode: 0o600 })
      print(opts, { file: opts.output, ...exported.counts }, () =>
        `Wrote ${opts.output}: ${Object.entries(exported.counts).map(([k, n]) => `${n} ${k}`).join(', ')}`,
      )
    }),
  )
}
