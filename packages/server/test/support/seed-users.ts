/**
 * Many users at once, for tests and benchmarks of the user list and search: `count` users of the
 * database connection, oldest first in their numbering (created a millisecond apart from `since`),
 * named `{Given} {Family} {n}` from small lists (so a name prefix matches a known share of them),
 * with the address `seed{n}@{domain}`, inserted through the store in transactions of a few thousand.
 * They have no password: nobody logs in as them.
 */
import { DATABASE_CONNECTION, type UserRecord, userRecordOf } from '@latchkey/core'
import type { Store } from '@latchkey/storage'

export const SEED_GIVEN_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis'] as const
export const SEED_FAMILY_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Ritchie'] as const

const BATCH = 5000

/** The `n`-th seeded user (from 0), as seedUsers writes it. */
export function seedUser(n: number, since: number, domain = 'seed.example.com'): UserRecord {
  const given = SEED_GIVEN_NAMES[n % SEED_GIVEN_NAMES.length] as string
  const family = SEED_FAMILY_NAMES[Math.floor(n / SEED_GIVEN_NAMES.length) % SEED_FAMILY_NAMES.length] as string
  const number = String(n).padStart(6, '0')
  return userRecordOf(
    { name: `${given} ${family} ${number}`, givenName: given, familyName: family, nickname: `${given.toLowerCase()}${number}`, emailVerified: true },
    { id: `auth0|5eed${number.padStart(20, '0')}`, email: `seed${number}@${domain}`, passwordHash: null, connection: DATABASE_CONNECTION.name, now: since + n },
  )
}

/** Inserts users `from` … `from + count - 1`; returns how many. */
export async function seedUsers(store: Store, count: number, options: { since?: number; from?: number; domain?: string } = {}): Promise<number> {
  const since = options.since ?? Date.now() - count - 60_000
  const from = options.from ?? 0
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(count, start + BATCH)
    await store.transaction(async (tx) => {
      for (let i = start; i < end; i++) await tx.users.insert(seedUser(from + i, since, options.domain))
    })
  }
  return count
}
