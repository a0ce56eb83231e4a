/**
 * Activity: what happened on this deployment, counted by the Management API from the audit log
 * (`/stats/activity`, `/stats/active-users`, `/stats/daily`): logins, failed logins, sign-ups, token
 * issuances and refresh-token reuse detections per hour or per day, the active users, and the daily
 * logins and sign-ups. Each chart is an SVG drawn here (charts.ts has its geometry) with a summary
 * for screen readers and the same numbers as a table; each total links to those events in Logs.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import {
  ACTIVITY_SERIES,
  type ActivityKey,
  activityPathOf,
  barsOf,
  countOf,
  dailyOf,
  FRAME,
  fillSeries,
  type Interval,
  type Labelling,
  lineOf,
  logsPathOf,
  niceScale,
  periodLabels,
  RANGES,
  type Range,
  rangeOf,
  type Series,
  summaryOf,
  totalOf,
  windowOf,
  xTicksOf,
  yTicksOf,
} from '../charts.js'
import { ErrorBox, Link, messageOf, type Session } from '../ui.js'

interface ActivityAnswer {
  readonly interval: Interval
  readonly from: string
  readonly to: string
  readonly series: readonly Record<string, unknown>[]
}

const DAILY_DAYS = 30
const LABELLING: Labelling = {}
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone

/** One drawn series: its name, its values, and its CSS class (colour). */
interface Layer {
  readonly name: string
  readonly values: readonly number[]
  readonly tone: string
}

/**
 * A chart: bars (one layer) or lines (several), its axes, a summary as its accessible name, and a
 * table of the same numbers, visually hidden until "Show as table".
 */
function Chart(props: { id: string; title: string; rangeLabel: string; starts: readonly number[]; interval: Interval; layers: readonly Layer[]; kind: 'bars' | 'lines' }) {
  const { id, starts, interval, layers } = props
  const [table, setTable] = useState(false)
  const max = Math.max(0, ...layers.flatMap((layer) => layer.values))
  const { top, ticks } = niceScale(max)
  const per = `per ${interval}`
  const summary = layers.map((layer) => summaryOf(layers.length === 1 ? props.title : `${layer.name} ${per}`, props.rangeLabel, layer.values, starts, interval, LABELLING)).join(' ')
  const labels = starts.map((start) => periodLabels(start, interval, LABELLING))
  const right = FRAME.width - FRAME.right
  return html`<div class="chart-body">
    <svg class="chart-svg" viewBox=${`0 0 ${FRAME.width} ${FRAME.height}`} role="img" aria-label=${summary} data-testid=${`${id}-svg`}>
      <g class="chart-grid">
        ${yTicksOf(ticks, top).map((tick) => html`<line x1=${FRAME.left} x2=${right} y1=${tick.y} y2=${tick.y} />`)}
      </g>
      <g class="chart-axis-text">
        ${yTicksOf(ticks, top).map((tick) => html`<text x=${FRAME.left - 6} y=${tick.y + 4} text-anchor="end">${tick.text}</text>`)}
        ${xTicksOf(starts, interval, LABELLING).map((tick) => html`<text x=${tick.x} y=${FRAME.height - FRAME.bottom + 17} text-anchor=${tick.anchor}>${tick.text}</text>`)}
      </g>
      <line class="chart-axis" x1=${FRAME.left} x2=${right} y1=${FRAME.height - FRAME.bottom} y2=${FRAME.height - FRAME.bottom} />
      ${props.kind === 'bars'
        ? layers.map(
            (layer) => html`<g class=${`chart-bars ${layer.tone}`}>
              ${barsOf(layer.values, top).map(
                (bar, i) => html`<rect x=${bar.x} y=${bar.y} width=${bar.width} height=${bar.height}><title>${labels[i]?.local} (${labels[i]?.utc}): ${bar.value}</title></rect>`,
              )}
            </g>`,
          )
        : layers.map(
            (layer) => html`<g class=${`chart-line ${layer.tone}`}>
              <path d=${lineOf(layer.values, top)} />
              ${barsOf(layer.values, top).map((bar, i) => html`<circle cx=${bar.x + bar.width / 2} cy=${bar.y} r="2.5"><title>${labels[i]?.local} (${labels[i]?.utc}), ${layer.name}: ${bar.value}</title></circle>`)}
            </g>`,
          )}
    </svg>
    <button type="button" class="chart-toggle" aria-expanded=${table ? 'true' : 'false'} aria-controls=${`${id}-table`} onClick=${() => setTable(!table)}>
      ${table ? 'Hide table' : 'Show as table'}
    </button>
    <div class=${table ? 'chart-table' : 'visually-hidden'} id=${`${id}-table`}>
      <table data-testid=${`${id}-table`}>
        <caption>${props.title}, ${props.rangeLabel.toLowerCase()}</caption>
        <thead><tr>
          <th scope="col">${interval === 'hour' ? `Hour (${TIME_ZONE})` : 'Day'}</th>
          <th scope="col">UTC</th>
          ${layers.map((layer) => html`<th scope="col" class="num">${layer.name}</th>`)}
        </tr></thead>
        <tbody>${starts.map(
          (start, i) => html`<tr key=${start}>
            <th scope="row">${labels[i]?.local}</th>
            <td>${labels[i]?.utc}</td>
            ${layers.map((layer) => html`<td class="num">${layer.values[i]}</td>`)}
          </tr>`,
        )}</tbody>
        <tfoot><tr><th scope="row">Total</th><td></td>${layers.map((layer) => html`<td class="num">${totalOf(layer.values)}</td>`)}</tr></tfoot>
      </table>
    </div>
  </div>`
}

/** One activity series: its total (a link to those events in Logs), and its chart or "No … yet". */
function ActivityCard(props: { session: Session; data: Series<ActivityKey>; range: Range; span: { from: number; to: number }; index: number }) {
  const meta = ACTIVITY_SERIES[props.index] as (typeof ACTIVITY_SERIES)[number]
  const values = props.data.columns[meta.key]
  const total = totalOf(values)
  const per = props.range.interval === 'hour' ? 'per hour' : 'per day'
  const id = `chart-${meta.key.replaceAll('_', '-')}`
  return html`<section class="chart" aria-labelledby=${`${id}-title`}>
    <div class="chart-head">
      <h2 id=${`${id}-title`}>${meta.title}</h2>
      <p class="chart-total">
        <${Link} session=${props.session} to=${logsPathOf(meta.types, props.span)}>${countOf(total, meta.noun)}<//>
      </p>
    </div>
    ${total === 0
      ? html`<p class="empty">No ${meta.title.toLowerCase()} in this period yet.</p>`
      : html`<${Chart}
          id=${id}
          title=${`${meta.title} ${per}`}
          rangeLabel=${props.range.label}
          starts=${props.data.starts}
          interval=${props.data.interval}
          layers=${[{ name: meta.title, values, tone: `tone-${meta.key.replaceAll('_', '-')}` }]}
          kind="bars"
        />`}
  </section>`
}

export function ActivityPage({ session }: { session: Session }) {
  const [range, setRange] = useState<Range>(() => rangeOf(new URLSearchParams(location.search).get('range')))
  const [now, setNow] = useState(() => Date.now())
  const [activity, setActivity] = useState<Series<ActivityKey> | null>(null)
  const [activeUsers, setActiveUsers] = useState<number | null>(null)
  const [daily, setDaily] = useState<Series<'logins' | 'signups'> | null>(null)
  const [error, setError] = useState<string | null>(null)
  const span = windowOf(range, now)
  useEffect(() => {
    let current = true
    setActivity(null)
    setError(null)
    session.api.get<ActivityAnswer>(activityPathOf(range, now)).then(
      (answer) => {
        // A range chosen since answers later: this answer is not shown over its charts.
        if (current) setActivity(fillSeries(answer.series, { at: 'start', keys: ACTIVITY_SERIES.map((s) => s.key), interval: range.interval, ...span }))
      },
      (e: unknown) => current && setError(messageOf(e)),
    )
    return () => {
      current = false
    }
  }, [range, now])
  useEffect(() => {
    const days = dailyOf(DAILY_DAYS, now)
    Promise.all([session.api.get<number>('stats/active-users'), session.api.get<Record<string, unknown>[]>(days.path)]).then(([users, rows]) => {
      setActiveUsers(users)
      setDaily(fillSeries(rows, { at: 'date', keys: ['logins', 'signups'], interval: 'day', from: days.from, to: days.to }))
    }, (e: unknown) => setError(messageOf(e)))
  }, [now])
  const choose = (next: Range) => {
    history.replaceState(null, '', `${location.pathname}?range=${next.id}`)
    setRange(next)
  }
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title">Activity</h1>
      <button type="button" onClick=${() => setNow(Date.now())}>Refresh</button>
    </div>
    <p>Counted from the audit log, so only as far back as it keeps events. Hours are in your time zone (${TIME_ZONE}); days are UTC days. Each total opens those events in Logs.</p>
    <${ErrorBox} error=${error} />
    <p class="stat" data-testid="active-users">
      <span class="stat-number">${activeUsers === null ? '…' : activeUsers.toLocaleString('en')}</span>
      ${activeUsers === 1 ? 'active user' : 'active users'} <span class="hint">(logged in during the last 30 days)</span>
    </p>
    <fieldset class="ranges">
      <legend>Period</legend>
      ${RANGES.map(
        (choice) => html`<label class="check">
          <input type="radio" name="range" value=${choice.id} checked=${choice.id === range.id} onChange=${() => choose(choice)} />
          ${choice.label}
        </label>`,
      )}
    </fieldset>
    ${activity === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    <div class="charts">
      ${activity !== null
        ? ACTIVITY_SERIES.map((meta, index) => html`<${ActivityCard} key=${meta.key} session=${session} data=${activity} range=${range} span=${span} index=${index} />`)
        : null}
      <${DailyCard} daily=${daily} />
    </div>
  </section>`
}

/** The daily logins and sign-ups of the last 30 days (`/stats/daily`, Auth0's), as two lines. */
function DailyCard({ daily }: { daily: Series<'logins' | 'signups'> | null }) {
  return html`<section class="chart" aria-labelledby="chart-daily-title">
      <div class="chart-head">
        <h2 id="chart-daily-title">Daily logins and sign-ups</h2>
        ${daily !== null
          ? html`<p class="chart-total">${countOf(totalOf(daily.columns.logins), ['login', 'logins'])}, ${countOf(totalOf(daily.columns.signups), ['sign-up', 'sign-ups'])}</p>`
          : null}
      </div>
      ${daily !== null && totalOf(daily.columns.logins) + totalOf(daily.columns.signups) === 0
        ? html`<p class="empty">No logins or sign-ups in the last ${DAILY_DAYS} days yet.</p>`
        : null}
      ${daily !== null && totalOf(daily.columns.logins) + totalOf(daily.columns.signups) > 0
        ? html`<ul class="legend">
              <li><span class="swatch tone-logins"></span>Logins</li>
              <li><span class="swatch swatch-dashed tone-signups"></span>Sign-ups</li>
            </ul>
            <${Chart}
              id="chart-daily"
              title="Logins and sign-ups per day"
              rangeLabel=${`Last ${DAILY_DAYS} days`}
              starts=${daily.starts}
              interval="day"
              layers=${[
                { name: 'Logins', values: daily.columns.logins, tone: 'tone-logins' },
                { name: 'Sign-ups', values: daily.columns.signups, tone: 'tone-signups line-dashed' },
              ]}
              kind="lines"
            />`
        : null}
  </section>`
}
