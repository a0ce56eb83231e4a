/**
 * The login transaction's step (`interactions.step`: `organization`, `login` or `consent`), so that
 * each page answers only at its own step (see @latchkey/core authorize/interaction-step.ts).
 * Interactions in flight while upgrading get the step they most likely are at: `consent` once a user
 * logged in within them, `login` otherwise; one at the organization prompt then asks its user to start
 * again (interactions live minutes). Independent of every other migration, so it applies in any order.
 */
import { type Kysely, type Migration, sql } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('interactions').addColumn('step', 'text', (c) => c.notNull().defaultTo('login')).execute()
  await sql`UPDATE interactions SET step = 'consent' WHERE user_id IS NOT NULL`.execute(db)
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('interactions').dropColumn('step').execute()
}

export const interactionSteps: Migration = { up, down }
