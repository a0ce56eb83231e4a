/**
 * The Activity page's charts: the periods asked of the stats endpoints, the answers as complete
 * series (missing periods count zero), a y scale of round whole numbers, bars and lines inside the
 * plot, axis labels in the administrator's time zone (hours) or as UTC dates (days), the summary a
 * screen reader hears, and the Logs page's address for a series.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ACTIVITY_SERIES,
  activityPathOf,
  barsOf,
  bandOf,
  countOf,
  DAY,
  dailyOf,
  FRAME,
  fillSeries,
  HOUR,
  lineOf,
  logsPathOf,
  niceScale,
  periodLabels,
  rangeOf,
  summaryOf,
  totalOf,
  windowOf,
  xTicksOf,
  yOf,
  yTicksOf,
} from '../src/charts.js'

/** 2026-12-07T14:25:00Z */
const NOW = Date.UTC(2026, 11, 7, 14, 25)
const utc = { locale: 'en-GB', timeZone: 'UTC' }

describe('the periods asked', () => {
  it('end with the current hour or UTC day, and reach back the range', () => {
    assert.deepEqual(windowOf(rangeOf('24h'), NOW), { from: Date.UTC(2026, 11, 6, 15), to: Date.UTC(2026, 11, 7, 15) })
    assert.deepEqual(windowOf(rangeOf('7d'), NOW), { from: Date.UTC(2026, 11, 1), to: Date.UTC(2026, 11, 8) })
    assert.equal(activityPathOf(rangeOf('48h'), NOW), 'stats/activity?interval=hour&from=2026-12-05T15%3A00%3A00.000Z&to=2026-12-07T15%3A00%3A00.000Z')
    assert.equal(activityPathOf(rangeOf('30d'), NOW), 'stats/activity?interval=day&from=2026-11-08T00%3A00%3A00.000Z&to=2026-12-08T00%3A00%3A00.000Z')
    assert.deepEqual(dailyOf(30, NOW), { path: 'stats/daily?from=20261108&to=20261207', from: Date.UTC(2026, 10, 8), to: Date.UTC(2026, 11, 8) })
  })

  it('fall back to the last 24 hours for an unknown range', () => {
    assert.equal(rangeOf('nonsense').id, '24h')
    assert.equal(rangeOf(null).id, '24h')
  })
})

describe('the series', () => {
  const keys = ACTIVITY_SERIES.map((s) => s.key)
  const from = Date.UTC(2026, 11, 7, 10)
  const to = Date.UTC(2026, 11, 7, 14)

  it('has every period of the window, zero where the answer has nothing', () => {
    const rows = [
      { start: '2026-12-07T11:00:00.000Z', logins: 3, failed_logins: 1, signups: 0, tokens: 4, reuse_detections: 0 },
      { start: '2026-12-07T13:00:00Z', logins: 2, failed_logins: 0, signups: 1, tokens: 2, reuse_detections: 1 },
    ]
    const series = fillSeries(rows, { at: 'start', keys, interval: 'hour', from, to })
    assert.deepEqual(series.starts, [from, from + HOUR, from + 2 * HOUR, from + 3 * HOUR])
    assert.deepEqual(series.columns.logins, [0, 3, 0, 2])
    assert.deepEqual(series.columns.reuse_detections, [0, 0, 0, 1])
    assert.equal(totalOf(series.columns.tokens), 6)
  })

  it('leaves out rows outside the window, without a start, or with no number, and adds up a period given twice', () => {
    const rows = [
      { start: '2026-12-07T09:00:00Z', logins: 50 },
      { start: '2026-12-07T14:00:00Z', logins: 50 },
      { start: 'not a date', logins: 50 },
      { logins: 50 },
      { start: '2026-12-07T10:30:00Z', logins: 'many' },
      { start: '2026-12-07T10:00:00Z', logins: 1 },
      { start: '2026-12-07T10:00:00Z', logins: 2 },
    ]
    assert.deepEqual(fillSeries(rows, { at: 'start', keys: ['logins'], interval: 'hour', from, to }).columns.logins, [3, 0, 0, 0])
  })

  it('reads the daily answer by its date', () => {
    const daily = dailyOf(3, NOW)
    const rows = [{ date: '2026-12-06T00:00:00.000Z', logins: 5, signups: 2, leaked_passwords: 0 }]
    const series = fillSeries(rows, { at: 'date', keys: ['logins', 'signups'], interval: 'day', from: daily.from, to: daily.to })
    assert.deepEqual(series.starts, [Date.UTC(2026, 11, 5), Date.UTC(2026, 11, 6), Date.UTC(2026, 11, 7)])
    assert.deepEqual(series.columns, { logins: [0, 5, 0], signups: [0, 2, 0] })
    assert.equal(series.starts.length * DAY, daily.to - daily.from)
  })
})

describe('the geometry', () => {
  it('scales to round whole numbers from zero, at most four steps', () => {
    assert.deepEqual(niceScale(0), { top: 1, ticks: [0, 1] })
    assert.deepEqual(niceScale(1), { top: 1, ticks: [0, 1] })
    assert.deepEqual(niceScale(3), { top: 3, ticks: [0, 1, 2, 3] })
    assert.deepEqual(niceScale(7), { top: 8, ticks: [0, 2, 4, 6, 8] })
    assert.deepEqual(niceScale(13), { top: 15, ticks: [0, 5, 10, 15] })
    assert.deepEqual(niceScale(21), { top: 30, ticks: [0, 10, 20, 30] })
    assert.deepEqual(niceScale(2.4), { top: 3, ticks: [0, 1, 2, 3] })
    assert.deepEqual(niceScale(1234), { top: 1500, ticks: [0, 500, 1000, 1500] })
  })

  it('puts the bars in their bands, from the axis up to their value', () => {
    const { top } = niceScale(4)
    const bars = barsOf([0, 2, 4, 1], top)
    const base = FRAME.height - FRAME.bottom
    assert.equal(yOf(0, top), base)
    assert.equal(yOf(top, top), FRAME.top)
    assert.deepEqual(
      bars.map((b) => b.value),
      [0, 2, 4, 1],
    )
    for (const [i, bar] of bars.entries()) {
      const band = bandOf(i, 4)
      assert.ok(bar.x >= band.x && bar.x + bar.width <= band.x + band.width + 0.1, `bar ${i} inside its band`)
      assert.ok(Math.abs(bar.y + bar.height - base) <= 0.1, `bar ${i} stands on the axis`)
    }
    assert.equal(bars[0]?.height, 0)
    assert.equal(bars[2]?.y, FRAME.top)
    assert.ok(Math.abs((bars[1]?.height ?? 0) - (base - FRAME.top) / 2) <= 0.1)
    const last = bandOf(3, 4)
    assert.ok(Math.abs(last.x + last.width - (FRAME.width - FRAME.right)) <= 0.1, 'the bands fill the plot')
  })

  it('draws a line through the bands’ centres', () => {
    assert.equal(lineOf([0, 1], 1), `M${bandOf(0, 2).centre} ${FRAME.height - FRAME.bottom} L${bandOf(1, 2).centre} ${FRAME.top}`)
  })

  it('labels the y axis at its ticks', () => {
    assert.deepEqual(
      yTicksOf([0, 500, 1000], 1000).map((t) => t.text),
      ['0', '500', '1,000'],
    )
  })
})

describe('the labels', () => {
  const hour = Date.UTC(2026, 11, 7, 14)

  it('say an hour in the administrator’s time zone, with its UTC period', () => {
    assert.deepEqual(periodLabels(hour, 'hour', utc), { short: '14:00', local: 'Mon 7 Dec, 14:00–15:00', utc: '2026-12-07 14:00–15:00 UTC' })
    const kolkata = periodLabels(hour, 'hour', { locale: 'en-GB', timeZone: 'Asia/Kolkata' })
    assert.equal(kolkata.short, '19:30')
    assert.equal(kolkata.local, 'Mon 7 Dec, 19:30–20:30')
    assert.equal(kolkata.utc, '2026-12-07 14:00–15:00 UTC')
    assert.equal(periodLabels(Date.UTC(2026, 11, 7), 'hour', utc).short, '7 Dec', 'midnight names its day')
    // ICU puts thin and narrow no-break spaces around the dash and before AM/PM.
    const spaced = (text: string) => text.replace(/[\u2009\u202f]/g, ' ')
    assert.equal(spaced(periodLabels(Date.UTC(2026, 11, 7, 23), 'hour', utc).local), 'Mon 7 Dec, 23:00 – Tue 8 Dec, 00:00')
    assert.equal(spaced(periodLabels(hour, 'hour', { locale: 'en-US', timeZone: 'UTC' }).local), 'Mon, Dec 7, 2:00 – 3:00 PM', "the table's times in the administrator's locale")
  })

  it('say a day as its UTC date, whatever the time zone', () => {
    const day = Date.UTC(2026, 11, 7)
    assert.deepEqual(periodLabels(day, 'day', { locale: 'en-GB', timeZone: 'America/New_York' }), { short: '7 Dec', local: 'Mon, 7 Dec 2026', utc: '2026-12-07 (UTC day)' })
  })

  it('put as many x labels as fit, on round hours or every n-th day ending today', () => {
    const hours = Array.from({ length: 24 }, (_, i) => Date.UTC(2026, 11, 6, 15) + i * HOUR)
    assert.deepEqual(
      xTicksOf(hours, 'hour', utc).map((t) => t.text),
      ['16:00', '20:00', '7 Dec', '04:00', '08:00', '12:00'],
    )
    const hours48 = Array.from({ length: 48 }, (_, i) => Date.UTC(2026, 11, 5, 15) + i * HOUR)
    assert.deepEqual(
      xTicksOf(hours48, 'hour', utc).map((t) => t.text),
      ['6 Dec', '12:00', '7 Dec', '12:00'],
    )
    const toNoon = Array.from({ length: 24 }, (_, i) => Date.UTC(2026, 11, 6, 13) + i * HOUR)
    assert.deepEqual(
      xTicksOf(toNoon, 'hour', utc).map((t) => `${t.text} ${t.anchor}`),
      ['16:00 middle', '20:00 middle', '7 Dec middle', '04:00 middle', '08:00 middle', '12:00 end'],
      'the last label (12:00, in the last band) ends at the edge instead of being cut off',
    )
    assert.equal(xTicksOf(toNoon, 'hour', utc).at(-1)?.x, FRAME.width)
    assert.equal(periodLabels(hour, 'hour', { locale: 'en-US', timeZone: 'UTC' }).short, '14:00', '24-hour times on the axis in every locale')
    const week = Array.from({ length: 7 }, (_, i) => Date.UTC(2026, 11, 1) + i * DAY)
    assert.equal(xTicksOf(week, 'day', utc).length, 4)
    assert.equal(xTicksOf(week, 'day', utc).at(-1)?.text, '7 Dec')
    const month = Array.from({ length: 30 }, (_, i) => Date.UTC(2026, 10, 8) + i * DAY)
    const ticks = xTicksOf(month, 'day', utc)
    assert.ok(ticks.length <= 6)
    assert.equal(ticks.at(-1)?.text, '7 Dec')
    for (const [i, tick] of ticks.entries()) if (i > 0) assert.ok(tick.x - (ticks[i - 1]?.x ?? 0) >= 48, 'labels do not overlap')
  })

  it('sum a chart up for a screen reader', () => {
    const starts = [hour - HOUR, hour, hour + HOUR]
    assert.equal(summaryOf('Logins per hour', 'Last 24 hours, per hour', [0, 0, 0], starts, 'hour', utc), 'Logins per hour, last 24 hours, per hour: 0 in total.')
    assert.equal(
      summaryOf('Logins per hour', 'Last 24 hours, per hour', [1, 3, 3], starts, 'hour', utc),
      'Logins per hour, last 24 hours, per hour: 7 in total; the most, 3, in the hour Mon 7 Dec, 14:00–15:00.',
    )
    assert.equal(
      summaryOf('Sign-ups per day', 'Last 7 days, per day', [2, 0], [Date.UTC(2026, 11, 6), Date.UTC(2026, 11, 7)], 'day', utc),
      'Sign-ups per day, last 7 days, per day: 2 in total; the most, 2, on Sun, 6 Dec 2026.',
    )
    assert.equal(countOf(1, ['login', 'logins']), '1 login')
    assert.equal(countOf(1200, ['login', 'logins']), '1,200 logins')
  })
})

describe('the link to the logs', () => {
  it('filters by the series’ event types over the UTC days of the window', () => {
    const failed = ACTIVITY_SERIES.find((s) => s.key === 'failed_logins')
    assert.deepEqual(failed?.types, ['f', 'fu', 'fp'])
    assert.equal(logsPathOf(failed?.types ?? [], windowOf(rangeOf('24h'), NOW)), 'logs?type=f,fu,fp&from=2026-12-06&to=2026-12-07')
    assert.equal(logsPathOf(['s'], windowOf(rangeOf('7d'), NOW)), 'logs?type=s&from=2026-12-01&to=2026-12-07')
  })
})
