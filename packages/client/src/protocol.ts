/**
 * The bridge to oauth4webapi: discovery (fetched once, retried after a failure), the client
 * metadata with this SDK's clock and leeway, the transport options, and the translation of
 * oauth4webapi's errors into this SDK's typed errors.
 */
import * as oauth from 'oauth4webapi'
import type { Config } from './config.js'
import {
  AccessDeniedError,
  AuthorizationError,
  ConsentRequiredError,
  DiscoveryError,
  InteractionRequiredError,
  LatchkeyClientError,
  LoginRequiredError,
  ResponseValidationError,
  TokenEndpointError,
} from './errors.js'

export class Protocol {
  readonly #config: Config
  #server: Promise<oauth.AuthorizationServer> | undefined

  constructor(config: Config) {
    this.#config = config
  }

  /** The discovery document, fetched on first use and kept; a failed fetch is retried next time. */
  server(): Promise<oauth.AuthorizationServer> {
    if (!this.#server) {
      this.#server = this.#discover()
      this.#server.catch(() => {
        this.#server = undefined
      })
    }
    return this.#server
  }

  async #discover(): Promise<oauth.AuthorizationServer> {
    try {
      const response = await oauth.discoveryRequest(this.#config.issuer, this.http())
      return await oauth.processDiscoveryResponse(this.#config.issuer, response)
    } catch (cause) {
      throw new DiscoveryError(`discovery failed for ${this.#config.issuer.href}: ${(cause as Error)?.message ?? cause}`, { cause })
    }
  }

  /** Client metadata; `clockSkew` carries the injected clock into oauth4webapi's time checks. */
  client(): oauth.Client {
    return {
      client_id: this.#config.clientId,
      token_endpoint_auth_method: 'none',
      [oauth.clockSkew]: Math.round((this.#config.clock.now() - Date.now()) / 1000),
      [oauth.clockTolerance]: this.#config.leewaySeconds,
    }
  }

  /** Transport options for any oauth4webapi request: the configured fetch, and http: on localhost when allowed. */
  http<Method extends string, Body>(): oauth.HttpRequestOptions<Method, Body> {
    const fetchImpl = this.#config.fetch
    return {
      [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<Method, Body>) => fetchImpl(url, init as unknown as RequestInit),
      [oauth.allowInsecureRequests]: this.#config.allowInsecureRequests,
    }
  }
}

/** Maps an authorization error response (`?error=...`) to its typed error. */
export function authorizationErrorFor(error: string, description: string | undefined, options: { cause?: unknown; state?: string }): AuthorizationError {
  switch (error) {
    case 'login_required':
      return new LoginRequiredError(error, description, options)
    case 'consent_required':
      return new ConsentRequiredError(error, description, options)
    case 'interaction_required':
      return new InteractionRequiredError(error, description, options)
    case 'access_denied':
      return new AccessDeniedError(error, description, options)
    default:
      return new AuthorizationError(error, description, options)
  }
}

/** Translates whatever oauth4webapi threw into this SDK's errors; unknown errors (network) pass through. */
export function translate(err: unknown): unknown {
  if (err instanceof LatchkeyClientError) return err
  if (err instanceof oauth.AuthorizationResponseError) {
    return authorizationErrorFor(err.error, err.error_description, { cause: err, state: err.cause.get('state') ?? undefined })
  }
  if (err instanceof oauth.ResponseBodyError) {
    return new TokenEndpointError(err.error, err.error_description, err.status, { cause: err })
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = err.cause[0]
    const error = challenge?.parameters.error ?? 'invalid_client'
    return new TokenEndpointError(error, challenge?.parameters.error_description, err.status, { cause: err })
  }
  if (err instanceof oauth.OperationProcessingError || err instanceof oauth.UnsupportedOperationError) {
    return new ResponseValidationError(err.message, { cause: err, reason: err.code })
  }
  return err
}
