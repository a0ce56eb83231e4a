/**
 * The PostgreSQL that tests use: TEST_DATABASE_URL, or the local default. Tests probe it once and
 * skip, saying so, when it does not answer; each test store lives in its own schema (`?schema=`).
 */
import pg from 'pg'

export const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The URL without its password, for messages. */
export function redactedPostgresUrl(): string {
  const parsed = new URL(postgresUrl)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

/** Undefined when PostgreSQL answers; otherwise why it does not. */
export async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

export function schemaUrl(schema: string): string {
  const parsed = new URL(postgresUrl)
  parsed.searchParams.set('schema', schema)
  return parsed.toString()
}
