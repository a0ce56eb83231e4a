/**
 * The Activity page's charts without the page: the periods asked of `/api/v2/stats/activity` and
 * `/stats/daily`, their answers as complete series (a period the answer lacks counts zero), and the
 * SVG's geometry (a nice y scale and its ticks, bars, lines, the x axis' labels), the labels of a
 * period in the administrator's time zone and in UTC, the summary a screen reader hears, and the
 * Logs page's address for a series' events. Pure functions, tested in test/charts.test.ts.
 *
 * Hours are the server's UTC hours, shown in the browser's time zone; days are UTC days (the
 * server's periods), shown as their UTC date.
 */

export const HOUR = 3_600_000
export const DAY = 24 * HOUR

export type Interval = 'hour' | 'day'

/** The ranges the page offers: hours for the last day or two, days for a week or a month. */
export interface Range {
  readonly id: '24h' | '48h' | '7d' | '30d'
  readonly label: string
  readonly interval: Interval
  readonly periods: number
}

export const RANGES: readonly Range[] = [
  { id: '24h', label: 'Last 24 hours, per hour', interval: 'hour', periods: 24 },
  { id: '48h', label: 'Last 48 hours, per hour', interval: 'hour', periods: 48 },
  { id: '7d', label: 'Last 7 days, per day', interval: 'day', periods: 7 },
  { id: '30d', label: 'Last 30 days, per day', interval: 'day', periods: 30 },
]

export function rangeOf(id: string | null | undefined): Range {
  return RANGES.find((range) => range.id === id) ?? (RANGES[0] as Range)
}

export const periodMsOf = (interval: Interval): number => (interval === 'hour' ? HOUR : DAY)

/** The range's periods, ending with the one `now` is in: [from, to). */
export function windowOf(range: Range, now: number): { from: number; to: number } {
  const period = periodMsOf(range.interval)
  const to = Math.floor(now / period) * period + period
  return { from: to - range.periods * period, to }
}

/** The Management API path for a range: `stats/activity?interval=hour&from=…&to=…`. */
export function activityPathOf(range: Range, now: number): string {
  const { from, to } = windowOf(range, now)
  const query = new URLSearchParams({ interval: range.interval, from: new Date(from).toISOString(), to: new Date(to).toISOString() })
  return `stats/activity?${query}`
}

const ymd = (time: number) => new Date(time).toISOString().slice(0, 10)

/** `/stats/daily` for the last `days` UTC days up to today's: its path and its window. */
export function dailyOf(days: number, now: number): { path: string; from: number; to: number } {
  const to = Math.floor(now / DAY) * DAY + DAY
  const from = to - days * DAY
  const compact = (time: number) => ymd(time).replaceAll('-', '')
  return { path: `stats/daily?from=${compact(from)}&to=${compact(to - DAY)}`, from, to }
}

/** The series of the activity answer, each with the audit-log event types it counts (the server's stats.ts). */
export const ACTIVITY_SERIES = [
  { key: 'logins', title: 'Logins', noun: ['login', 'logins'], types: ['s'] },
  { key: 'failed_logins', title: 'Failed logins', noun: ['failed login', 'failed logins'], types: ['f', 'fu', 'fp'] },
  { key: 'signups', title: 'Sign-ups', noun: ['sign-up', 'sign-ups'], types: ['ss'] },
  { key: 'tokens', title: 'Token issuances', noun: ['token issued', 'tokens issued'], types: ['seacft', 'sertft', 'seccft'] },
  { key: 'reuse_detections', title: 'Refresh-token reuse detections', noun: ['reuse detected', 'reuses detected'], types: ['ferrt'] },
] as const satisfies readonly { key: string; title: string; noun: readonly [string, string]; types: readonly string[] }[]

export type ActivityKey = (typeof ACTIVITY_SERIES)[number]['key']

/** The counts of `n`, with its noun: `1 login`, `3 logins`. */
export function countOf(n: number, noun: readonly [string, string]): string {
  return `${n.toLocaleString('en')} ${n === 1 ? noun[0] : noun[1]}`
}

/** Every period of [from, to), oldest first, with its values; one column per key. */
export interface Series<K extends string> {
  readonly interval: Interval
  readonly starts: readonly number[]
  readonly columns: Readonly<Record<K, readonly number[]>>
}

/**
 * The answer's rows as complete columns: one value per period of [from, to), zero where the answer
 * has no row (or no number) for it; rows outside the window are left out. `at` names the row's
 * start (`start` in the activity answer, `date` in the daily one).
 */
export function fillSeries<K extends string>(
  rows: readonly Readonly<Record<string, unknown>>[],
  options: { readonly at: string; readonly keys: readonly K[]; readonly interval: Interval; readonly from: number; readonly to: number },
): Series<K> {
  const period = periodMsOf(options.interval)
  const starts: number[] = []
  for (let start = options.from; start < options.to; start += period) starts.push(start)
  const index = new Map(starts.map((start, i) => [start, i]))
  const columns = Object.fromEntries(options.keys.map((key) => [key, starts.map(() => 0)])) as Record<K, number[]>
  for (const row of rows) {
    const at = row[options.at]
    const time = typeof at === 'string' ? Date.parse(at) : Number.NaN
    const i = index.get(Math.floor(time / period) * period)
    if (i === undefined) continue
    for (const key of options.keys) {
      const value = row[key]
      const column = columns[key]
      if (typeof value === 'number' && Number.isFinite(value)) column[i] = (column[i] ?? 0) + value
    }
  }
  return { interval: options.interval, starts, columns }
}

export const totalOf = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0)

/** The SVG's coordinate box (its viewBox) and the margins around the plot, in the same units. */
export interface Frame {
  readonly width: number
  readonly height: number
  readonly top: number
  readonly right: number
  readonly bottom: number
  readonly left: number
}

/** 360 units wide: at 360 px the text is drawn at about its own size. */
export const FRAME: Frame = { width: 360, height: 200, top: 12, right: 8, bottom: 30, left: 40 }

/**
 * A y scale from zero with round ticks (steps of 1, 2 or 5 times a power of ten, whole numbers
 * since these are counts): at most `maxTicks` steps, its top the first tick at or above `max`.
 */
export function niceScale(max: number, maxTicks = 4): { top: number; ticks: number[] } {
  const high = Math.max(0, Math.ceil(max))
  if (high === 0) return { top: 1, ticks: [0, 1] }
  let step = 1
  for (let power = 1; ; power *= 10) {
    const found = [1, 2, 5].map((m) => m * power).find((s) => Math.ceil(high / s) <= maxTicks)
    if (found !== undefined) {
      step = found
      break
    }
  }
  const top = Math.ceil(high / step) * step
  const ticks: number[] = []
  for (let tick = 0; tick <= top; tick += step) ticks.push(tick)
  return { top, ticks }
}

const round = (n: number) => Math.round(n * 10) / 10

/** The plot's y for a value on a scale topped at `top`. */
export function yOf(value: number, top: number, frame: Frame = FRAME): number {
  const plot = frame.height - frame.top - frame.bottom
  return round(frame.top + plot - (value / top) * plot)
}

/** The band of period `i` of `n`: its left edge, width and centre. */
export function bandOf(i: number, n: number, frame: Frame = FRAME): { x: number; width: number; centre: number } {
  const band = (frame.width - frame.left - frame.right) / Math.max(1, n)
  const x = frame.left + i * band
  return { x: round(x), width: round(band), centre: round(x + band / 2) }
}

export interface Bar {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
  readonly value: number
}

/** One bar per value, in its band with a gap (a fifth of the band, at least a fraction of a unit). */
export function barsOf(values: readonly number[], top: number, frame: Frame = FRAME): Bar[] {
  const base = yOf(0, top, frame)
  return values.map((value, i) => {
    const band = bandOf(i, values.length, frame)
    const gap = Math.max(0.5, band.width / 5)
    const y = yOf(value, top, frame)
    return { x: round(band.x + gap / 2), y, width: round(band.width - gap), height: round(base - y), value }
  })
}

/** The SVG path of a line through the values at their bands' centres. */
export function lineOf(values: readonly number[], top: number, frame: Frame = FRAME): string {
  return values.map((value, i) => `${i === 0 ? 'M' : 'L'}${bandOf(i, values.length, frame).centre} ${yOf(value, top, frame)}`).join(' ')
}

export interface Labelling {
  /** A BCP 47 locale; the browser's by default. */
  readonly locale?: string | undefined
  /** An IANA time zone; the browser's by default. */
  readonly timeZone?: string | undefined
}

function parts(time: number, options: Intl.DateTimeFormatOptions, labelling: Labelling): string {
  return new Intl.DateTimeFormat(labelling.locale, { ...options, timeZone: options.timeZone ?? labelling.timeZone }).format(new Date(time))
}

function localHour(time: number, labelling: Labelling): number {
  return Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: labelling.timeZone }).format(new Date(time)))
}

/** How a period reads: on the axis (short), in the table (in the administrator's zone) and in UTC. */
export function periodLabels(start: number, interval: Interval, labelling: Labelling = {}): { short: string; local: string; utc: string } {
  const utcTime = (time: number) => new Date(time).toISOString().slice(11, 16)
  if (interval === 'day')
    return {
      short: parts(start, { day: 'numeric', month: 'short', timeZone: 'UTC' }, labelling),
      local: parts(start, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }, labelling),
      utc: `${ymd(start)} (UTC day)`,
    }
  const time = { hour: '2-digit', minute: '2-digit' } as const
  return {
    // The axis has room for 5 characters: 24-hour times whatever the locale (12:00, not 12:00 PM).
    short: localHour(start, labelling) === 0 ? parts(start, { day: 'numeric', month: 'short' }, labelling) : parts(start, { ...time, hourCycle: 'h23' }, labelling),
    local: new Intl.DateTimeFormat(labelling.locale, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit', timeZone: labelling.timeZone }).formatRange(
      new Date(start),
      new Date(start + HOUR),
    ),
    utc: `${ymd(start)} ${utcTime(start)}–${utcTime(start + HOUR)} UTC`,
  }
}

export interface Tick {
  readonly x: number
  readonly text: string
  /** SVG's text-anchor: a label near an edge ends (or starts) there rather than being cut off. */
  readonly anchor: 'start' | 'middle' | 'end'
}

/** Half a label's width, about: 5 characters of 12-unit text. */
const HALF_LABEL = 18

/**
 * The x axis' labels: as many as fit (about 48 units each), on round periods (local hours that are
 * multiples of the step, every n-th day from the newest), so the axis reads 00:00, 06:00, 12:00.
 */
export function xTicksOf(starts: readonly number[], interval: Interval, labelling: Labelling = {}, frame: Frame = FRAME): Tick[] {
  const fit = Math.max(1, Math.floor((frame.width - frame.left - frame.right) / 48))
  const steps = interval === 'hour' ? [1, 2, 3, 4, 6, 12, 24] : [1, 2, 5, 7, 10, 15, 30]
  const step = steps.find((s) => Math.ceil(starts.length / s) <= fit) ?? Math.ceil(starts.length / fit)
  const ticks: Tick[] = []
  starts.forEach((start, i) => {
    const chosen = interval === 'hour' ? localHour(start, labelling) % step === 0 : (starts.length - 1 - i) % step === 0
    if (!chosen) return
    const x = bandOf(i, starts.length, frame).centre
    const anchor = x + HALF_LABEL > frame.width ? 'end' : x - HALF_LABEL < 0 ? 'start' : 'middle'
    ticks.push({ x: anchor === 'end' ? frame.width : anchor === 'start' ? 0 : x, text: periodLabels(start, interval, labelling).short, anchor })
  })
  return ticks
}

/** The y axis' labels at their heights. */
export function yTicksOf(ticks: readonly number[], top: number, frame: Frame = FRAME): { y: number; text: string }[] {
  return ticks.map((tick) => ({ y: yOf(tick, top, frame), text: tick.toLocaleString('en') }))
}

/**
 * What a screen reader hears for a chart: what it counts, over which range, the total, and the
 * busiest period (the first of equals) with its count.
 */
export function summaryOf(what: string, rangeLabel: string, values: readonly number[], starts: readonly number[], interval: Interval, labelling: Labelling = {}): string {
  const total = totalOf(values)
  const head = `${what}, ${rangeLabel.toLowerCase()}: ${total.toLocaleString('en')} in total`
  if (total === 0) return `${head}.`
  const peak = values.indexOf(Math.max(...values))
  const when = periodLabels(starts[peak] as number, interval, labelling).local
  return `${head}; the most, ${(values[peak] as number).toLocaleString('en')}, ${interval === 'hour' ? 'in the hour' : 'on'} ${when}.`
}

/**
 * The Logs page's address for these event types over the UTC days the window touches (the Logs
 * page filters by whole days): `logs?type=f,fu,fp&from=2026-12-06&to=2026-12-07`.
 */
export function logsPathOf(types: readonly string[], window: { from: number; to: number }): string {
  const query = new URLSearchParams({ type: types.join(','), from: ymd(window.from), to: ymd(window.to - 1) })
  return `logs?${query.toString().replaceAll('%2C', ',')}`
}
