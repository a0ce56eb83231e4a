/**
 * Where the SDK keeps its state: login transactions (state, nonce, verifier), the ID token and its
 * claims, and one token set per audience (access token, expiry, refresh token). Values are strings
 * (JSON written by the SDK); every method is async so a store may be remote or encrypted.
 */

export interface Storage {
  get(key: string): Promise<string | null>
  set(key: string, value: string): Promise<void>
  remove(key: string): Promise<void>
}

/** The default: a Map in this runtime. Nothing survives a reload, and nothing is readable by other code. */
export function memoryStorage(): Storage {
  const values = new Map<string, string>()
  return {
    async get(key) {
      return values.get(key) ?? null
    },
    async set(key, value) {
      values.set(key, value)
    },
    async remove(key) {
      values.delete(key)
    },
  }
}

/** The part of the Web Storage API the SDK uses (`window.sessionStorage`, `window.localStorage`). */
export interface WebStorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * Opt-in persistence in `sessionStorage` (one tab, survives reloads) or `localStorage` (every tab,
 * survives restarts). Any script running on the page can read these, refresh tokens included, so an
 * XSS flaw becomes a stolen session: see the README before choosing it.
 */
export function browserStorage(web: WebStorageLike): Storage {
  return {
    async get(key) {
      return web.getItem(key)
    },
    async set(key, value) {
      web.setItem(key, value)
    },
    async remove(key) {
      web.removeItem(key)
    },
  }
}
