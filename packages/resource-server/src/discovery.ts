/**
 * OpenID Connect Discovery (§4) at `${issuer}.well-known/openid-configuration`: a 200 JSON document
 * (redirects are not followed) whose `issuer` is exactly the configured one (§4.3), with a `jwks_uri`.
 */
import { acceptedAlgorithms } from './algorithms.js'
import { IssuerError } from './errors.js'
import type { ResolvedOptions } from './options.js'

export interface IssuerMetadata {
  readonly issuer: string
  readonly jwksUri: URL
  /** The algorithms tokens may be signed with (never empty). */
  readonly algorithms: readonly string[]
}

export async function discover(options: ResolvedOptions): Promise<IssuerMetadata> {
  const url = `${options.issuer}.well-known/openid-configuration`
  let document: unknown
  try {
    const res = await options.fetch(url, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeout),
    })
    if (res.status !== 200) {
      await res.body?.cancel()
      throw new IssuerError(`${url} answered ${res.status}, not 200`)
    }
    document = await res.json()
  } catch (err) {
    if (err instanceof IssuerError) throw err
    throw new IssuerError(`could not read ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  return readMetadata(document, options, url)
}

function readMetadata(document: unknown, options: ResolvedOptions, url: string): IssuerMetadata {
  if (typeof document !== 'object' || document === null) throw new IssuerError(`${url} is not a JSON object`)
  const doc = document as Record<string, unknown>
  if (doc.issuer !== options.issuer) {
    throw new IssuerError(`${url} names the issuer ${JSON.stringify(doc.issuer)}, not ${JSON.stringify(options.issuer)} (they must match exactly)`)
  }
  const jwksUri = typeof doc.jwks_uri === 'string' && URL.canParse(doc.jwks_uri) ? new URL(doc.jwks_uri) : undefined
  if (!jwksUri || (jwksUri.protocol !== 'https:' && jwksUri.protocol !== 'http:')) throw new IssuerError(`${url} has no usable jwks_uri`)
  const advertised = doc.id_token_signing_alg_values_supported
  const list = Array.isArray(advertised) ? advertised.filter((a): a is string => typeof a === 'string') : undefined
  const algorithms = acceptedAlgorithms(list, options.algorithms)
  if (algorithms.length === 0) {
    throw new IssuerError(`no asymmetric algorithm is both advertised by the issuer (${list?.join(', ') ?? 'RS256'}) and allowed by "algorithms"`)
  }
  return { issuer: options.issuer, jwksUri, algorithms }
}
