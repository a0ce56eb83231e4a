/**
 * DPoP (RFC 9449) at Latchkey's own endpoints: reads the `DPoP` header and checks the proof with
 * @latchkey/core against the endpoint's issuer-based URL (never the Host header, so a proxy or a
 * forged Host cannot change what `htu` must be), the store's replay guard (shared by every node; in
 * Redis when configured, see replay/),
 * and the server's stateless nonces. Also the `DPoP-Nonce` header an answer carries.
 *
 * Nonces: issued with every `use_dpop_nonce` error and, once a client uses them, with its answers.
 * Requiring one on every proof is off by default, as in node-oidc-provider (`requireNonce` returns
 * false): proofs are then bounded by their `iat` (60 s) and single use. `LATCHKEY_DPOP_REQUIRE_NONCE=true`
 * turns it on for the token endpoint and /userinfo.
 */
import { DPOP_SIGNING_ALGS, DpopNonces, verifyDpopProof, type DpopProof } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { dpopReplayGuard } from '../replay/dpop-acceptance.js'
import { nonceSecret } from './nonce-secret.js'

export class DpopEndpoints {
  #nonces: { readonly kid: string; readonly nonces: Promise<DpopNonces> } | undefined

  constructor(private readonly deps: Deps) {}

  /** The nonces of the key that signs now (see nonce-secret.ts). */
  async nonces(): Promise<DpopNonces> {
    const key = await this.deps.keys.signingKey()
    if (this.#nonces?.kid !== key.kid) {
      const nonces = nonceSecret(key).then((secret) => new DpopNonces(secret))
      nonces.catch(() => {
        if (this.#nonces?.nonces === nonces) this.#nonces = undefined
      })
      this.#nonces = { kid: key.kid, nonces }
    }
    return this.#nonces.nonces
  }

  /**
   * The request's checked proof, or null when it sent no `DPoP` header. `path` is the endpoint
   * under the issuer (`oauth/token`); `accessToken` the token presented with the proof, if any.
   * Throws InvalidDpopProof or UseDpopNonce.
   */
  async verify(c: Context, path: string, accessToken?: string): Promise<DpopProof | null> {
    return this.verifyProof(c.req.header('dpop'), c.req.method, path, accessToken)
  }

  /** The same, for a `DPoP` header and method read already. */
  async verifyProof(proof: string | undefined, method: string, path: string, accessToken?: string): Promise<DpopProof | null> {
    if (proof === undefined) return null
    const nonces = await this.nonces()
    return verifyDpopProof(
      { proof, method, url: `${this.deps.config.issuer}${path}`, now: this.deps.clock.now(), ...(accessToken !== undefined ? { accessToken } : {}) },
      { algorithms: DPOP_SIGNING_ALGS, nonces, requireNonce: this.deps.config.dpopRequireNonce, replay: dpopReplayGuard(this.deps.store.replayGuard, proof, nonces) },
    )
  }
}

const endpoints = new WeakMap<Deps, DpopEndpoints>()

/** One DpopEndpoints per app (its nonce secret is cached by signing key). */
export function dpopEndpoints(deps: Deps): DpopEndpoints {
  let found = endpoints.get(deps)
  if (!found) {
    found = new DpopEndpoints(deps)
    endpoints.set(deps, found)
  }
  return found
}
