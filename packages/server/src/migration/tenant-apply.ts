/**
 * Applying a tenant plan, and the report both a dry run and an import print: per object what
 * happened (or would), its left-out fields with reasons, the secrets of new applications (once,
 * after they were stored), and a summary. A write that fails marks its object failed; the others
 * go on. The exit status: 0 when everything was carried over, 1 when something was not.
 */
import type { Store } from '@latchkey/storage'
import type { LeftOut, PlanAction, PlanItem } from './tenant-items.js'

export interface ReportItem {
  readonly type: string
  readonly name: string
  readonly id?: string
  readonly action: PlanAction
  readonly changes?: readonly string[]
  readonly not_carried_over?: readonly LeftOut[]
  readonly reason?: string
  /** A generated secret, shown once; from --secrets, only that it was used. */
  readonly client_secret?: string
  readonly client_secret_source?: 'generated' | 'file'
}

export interface TenantReport {
  readonly dry_run: boolean
  readonly summary: { readonly create: number; readonly update: number; readonly unchanged: number; readonly skip: number; readonly fail: number; readonly fields_not_carried_over: number }
  readonly items: readonly ReportItem[]
}

function reportItem(planned: PlanItem, dryRun: boolean, failure?: string): ReportItem {
  const action: PlanAction = failure !== undefined ? 'fail' : planned.action
  const showSecret = !dryRun && failure === undefined && planned.secret !== undefined
  return {
    type: planned.section,
    name: planned.name,
    ...(planned.id !== undefined ? { id: planned.id } : {}),
    action,
    ...(planned.changes?.length ? { changes: planned.changes } : {}),
    ...(planned.leftOut.length ? { not_carried_over: planned.leftOut } : {}),
    ...(failure !== undefined ? { reason: failure } : planned.reason !== undefined ? { reason: planned.reason } : {}),
    ...(showSecret && planned.secret?.source === 'generated' ? { client_secret: planned.secret.value } : {}),
    ...(showSecret ? { client_secret_source: planned.secret?.source } : {}),
  }
}

function summarise(items: readonly ReportItem[]): TenantReport['summary'] {
  const count = (action: PlanAction) => items.filter((i) => i.action === action).length
  return {
    create: count('create'),
    update: count('update'),
    unchanged: count('unchanged'),
    skip: count('skip'),
    fail: count('fail'),
    fields_not_carried_over: items.reduce((n, i) => n + (i.not_carried_over?.length ?? 0), 0),
  }
}

/** The report of a plan without applying it (--dry-run). */
export function planReport(plan: readonly PlanItem[]): TenantReport {
  const items = plan.map((p) => reportItem(p, true))
  return { dry_run: true, summary: summarise(items), items }
}

/** Applies each planned change in order and reports what happened. */
export async function applyPlan(plan: readonly PlanItem[], store: Store): Promise<TenantReport> {
  const items: ReportItem[] = []
  for (const planned of plan) {
    let failure: string | undefined
    if (planned.apply) {
      try {
        await planned.apply(store)
      } catch (error) {
        failure = `not written: ${(error as Error)?.message ?? String(error)}`
      }
    }
    items.push(reportItem(planned, false, failure))
  }
  return { dry_run: false, summary: summarise(items), items }
}

/** 0 when everything in the file was carried over, 1 when some object or field was not. */
export function exitStatus(report: TenantReport): 0 | 1 {
  const s = report.summary
  return s.skip + s.fail + s.fields_not_carried_over === 0 ? 0 : 1
}
