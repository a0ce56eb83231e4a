/**
 * The ports the token endpoint's grants use (src/ports.ts GrantStore), over Maps, with the
 * semantics ports.ts documents: one in-memory fake shared by the grant suites (not a *.test.ts
 * file: importing it registers no tests). `rotate` follows ports.ts and core's bindingRefusal as
 * the SQL store does. Each suite seeds it with its own fixtures and keeps its own helpers.
 */
import { bindingRefusal } from '../../src/grants/refresh-token-binding.js'
import type { GrantStore, RotateOutcome, UseOutcome } from '../../src/ports.js'
import type { ApiRecord, AuthorizationCodeRecord, OrganizationRecord, RefreshTokenRecord, UserRecord } from '../../src/records.js'

/** What a store starts with: APIs, users, organizations and memberships (`[orgId, userId]`). */
export interface MemoryGrantStoreSeed {
  readonly apis?: readonly ApiRecord[]
  readonly users?: readonly UserRecord[]
  readonly organizations?: readonly OrganizationRecord[]
  readonly members?: readonly (readonly [orgId: string, userId: string])[]
}

/** The key of a membership in `members`. */
export function memberKey(orgId: string, userId: string): string {
  return `${orgId} ${userId}`
}

export const permissionKey = (userId: string, apiIdentifier: string, orgId: string | null): string => `${userId}\u0000${apiIdentifier}\u0000${orgId ?? ''}`

export class MemoryGrantStore {
  /** Authorization codes by hash. */
  readonly codes = new Map<string, AuthorizationCodeRecord>()
  /** Refresh tokens by hash. */
  readonly refreshTokens = new Map<string, RefreshTokenRecord>()
  /** Grants revoked so far (a token inserted later for one of them is stored revoked). */
  readonly revokedGrants = new Set<string>()
  /** APIs by identifier. */
  readonly apis: Map<string, ApiRecord>
  readonly users: Map<string, UserRecord>
  readonly organizations: Map<string, OrganizationRecord>
  /** Memberships, as memberKey(orgId, userId). */
  readonly members: Set<string>
  /** What `effective` answers, as permissionKey(userId, apiIdentifier, orgId): set by a test. */
  readonly permissions = new Map<string, readonly string[]>()

  constructor(seed: MemoryGrantStoreSeed = {}) {
    this.apis = new Map((seed.apis ?? []).map((a) => [a.identifier, a]))
    this.users = new Map((seed.users ?? []).map((u) => [u.id, u]))
    this.organizations = new Map((seed.organizations ?? []).map((o) => [o.id, o]))
    this.members = new Set((seed.members ?? []).map(([orgId, userId]) => memberKey(orgId, userId)))
  }

  readonly store: GrantStore = {
    authorizationCodes: {
      consume: async (codeHash, clientId, now) => {
        const code = this.codes.get(codeHash)
        if (!code || code.clientId !== clientId || code.consumedAt !== null || code.expiresAt <= now) return null
        const consumed = { ...code, consumedAt: now }
        this.codes.set(codeHash, consumed)
        // As the store does: the code's user, read by the same statement.
        return { code: consumed, user: this.users.get(consumed.userId) ?? null }
      },
      findByHash: async (codeHash) => this.codes.get(codeHash) ?? null,
    },
    refreshTokens: {
      insert: async (record) => {
        const revoked = this.revokedGrants.has(record.grantId)
        this.refreshTokens.set(record.tokenHash, revoked ? { ...record, revokedAt: record.createdAt } : record)
        return !revoked
      },
      rotate: async (tokenHash, now, reuseIntervalMs, binding): Promise<RotateOutcome> => {
        const token = this.refreshTokens.get(tokenHash)
        // With a binding, a token the binding refuses is `unbound` whatever its state, and left as it was.
        if (token && binding && bindingRefusal(token, binding) !== null) return { outcome: 'unbound', token }
        if (!token || token.revokedAt !== null || token.expiresAt <= now || token.grantExpiresAt <= now) return { outcome: 'invalid' }
        if (token.rotatedAt === null) {
          const rotated = { ...token, rotatedAt: now }
          this.refreshTokens.set(tokenHash, rotated)
          return { outcome: 'rotated', token: rotated, user: this.users.get(rotated.userId) ?? null }
        }
        // Only the immediately previous token (the grant's latest rotation), within the interval.
        const latest = Math.max(...this.refreshTokensOf(token.grantId).map((t) => t.rotatedAt ?? Number.NEGATIVE_INFINITY))
        const recent = reuseIntervalMs > 0 && Math.max(0, now - token.rotatedAt) < reuseIntervalMs
        return recent && token.rotatedAt >= latest ? { outcome: 'reuse-allowed', token } : { outcome: 'reuse-detected', token }
      },
      use: async (tokenHash, now, idleLifetimeMs, binding): Promise<UseOutcome> => {
        const token = this.refreshTokens.get(tokenHash)
        if (token && bindingRefusal(token, binding) !== null) return { outcome: 'unbound', token }
        if (!token || token.rotatedAt !== null || token.revokedAt !== null || token.expiresAt <= now || token.grantExpiresAt <= now) return { outcome: 'invalid' }
        const used = idleLifetimeMs === null ? token : { ...token, expiresAt: Math.min(now + idleLifetimeMs, token.grantExpiresAt) }
        this.refreshTokens.set(tokenHash, used)
        return { outcome: 'used', token: used, user: this.users.get(used.userId) ?? null }
      },
      findByHash: async (tokenHash) => this.refreshTokens.get(tokenHash) ?? null,
      revokeGrant: async (grantId, now) => {
        this.revokedGrants.add(grantId)
        let count = 0
        for (const [hash, token] of this.refreshTokens) {
          if (token.grantId !== grantId || token.revokedAt !== null) continue
          this.refreshTokens.set(hash, { ...token, revokedAt: now })
          count++
        }
        return count
      },
    },
    apis: { findByIdentifier: async (identifier) => this.apis.get(identifier) ?? null },
    users: { get: async (id) => this.users.get(id) ?? null },
    organizations: {
      get: async (id) => this.organizations.get(id) ?? null,
      findByName: async (name) => [...this.organizations.values()].find((o) => o.name === name.toLowerCase()) ?? null,
      isMember: async (orgId, userId) => this.members.has(memberKey(orgId, userId)),
      connectionEnabled: async () => true,
    },
    clientGrants: { find: async () => null },
    permissions: { effective: async (userId, apiIdentifier, orgId) => this.permissions.get(permissionKey(userId, apiIdentifier, orgId)) ?? [] },
  }

  /** Every refresh token of a grant, in insertion order. */
  refreshTokensOf(grantId: string): RefreshTokenRecord[] {
    return [...this.refreshTokens.values()].filter((t) => t.grantId === grantId)
  }
}
