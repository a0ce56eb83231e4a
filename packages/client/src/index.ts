export { createClient } from './client.js'
export type { LatchkeyClient } from './client.js'
export type { AuthorizeOptions } from './authorize.js'
export type { CallbackResult } from './callback.js'
export type { User } from './claims.js'
export type { ClientOptions, Clock, FetchLike, LockManagerLike } from './config.js'
export type { FetchWithAuthOptions } from './fetch-with-auth.js'
export type { LogoutOptions } from './logout.js'
export type { AccessTokenDetails, GetAccessTokenOptions } from './tokens.js'
export { challengeFor, createVerifier } from './pkce.js'
export { browserStorage, memoryStorage } from './storage.js'
export { indexedDbKeyStore, memoryKeyStore } from './dpop.js'
export type { DpopKeyStore, IdbFactoryLike } from './dpop.js'
export type { Storage, WebStorageLike } from './storage.js'
export {
  AccessDeniedError,
  AuthorizationError,
  ConsentRequiredError,
  DiscoveryError,
  InteractionRequiredError,
  InvalidArgumentError,
  InvalidStateError,
  LatchkeyClientError,
  LoginRequiredError,
  LoopbackTimeoutError,
  ResponseValidationError,
  TokenEndpointError,
} from './errors.js'
export type { LatchkeyErrorCode } from './errors.js'
