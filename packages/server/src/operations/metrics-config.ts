/**
 * Where `/metrics` is served, from the environment:
 * - `LATCHKEY_METRICS_PORT`: on a port of its own, bound to `LATCHKEY_METRICS_HOST` (default
 *   127.0.0.1, so only the machine itself and what it forwards can scrape);
 * - else `LATCHKEY_METRICS_TOKEN`: on the main port, for `Authorization: Bearer <token>` only;
 * - else nowhere: `/metrics` is a 404 and nothing is measured.
 * A token, when set, is required on the separate port too.
 */

export interface MetricsConfig {
  /** A port of its own for /metrics (0: any free port, for tests); null: none. */
  readonly port: number | null
  readonly host: string
  /** The bearer token scrapers must present; null: none. */
  readonly token: string | null
}

export const METRICS_TOKEN_MIN_LENGTH = 16

/** True when /metrics is served somewhere, so the metrics are worth collecting. */
export function metricsExposed(config: MetricsConfig): boolean {
  return config.port !== null || config.token !== null
}

export function metricsConfig(env: Readonly<Record<string, string | undefined>>, mainPort: number): MetricsConfig {
  const rawPort = env.LATCHKEY_METRICS_PORT?.trim()
  let port: number | null = null
  if (rawPort !== undefined && rawPort !== '') {
    port = Number(rawPort)
    if (!/^\d+$/.test(rawPort) || port > 65_535) throw new Error('LATCHKEY_METRICS_PORT must be a port number between 0 and 65535')
    if (port !== 0 && port === mainPort) throw new Error('LATCHKEY_METRICS_PORT must differ from the main port (use LATCHKEY_METRICS_TOKEN to serve /metrics on the main port)')
  }
  const token = env.LATCHKEY_METRICS_TOKEN?.trim() || null
  if (token !== null && (token.length < METRICS_TOKEN_MIN_LENGTH || /\s/.test(token)))
    throw new Error(`LATCHKEY_METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} characters, without spaces`)
  const host = env.LATCHKEY_METRICS_HOST?.trim() || '127.0.0.1'
  return { port, host, token }
}
