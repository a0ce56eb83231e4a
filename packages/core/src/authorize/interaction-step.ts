/**
 * The login transaction as a state machine. An accepted /authorize request becomes an interaction
 * that is at exactly one step: the page the user was last sent to. Each page belongs to one step and
 * answers (GET or POST) only while its own transaction is at that step; answering it moves the
 * transaction on, atomically, to whatever `nextStep` decides, so a step can be neither skipped (by
 * posting to a later page) nor answered twice, nor answered in a transaction that never showed it.
 *
 *   organization ──► login ──► consent ──► (code)
 *                      │ ▲ └──────────────────► (code)
 *                      ▼ │
 *                    upstream ──► consent / (code)     (the provider's callback answers it)
 *                      │ ▲
 *                      ▼ │
 *                     link ──► consent / (code)        (the existing account proven, or kept apart)
 *
 *   login / an SSO session ──► mfa | mfa_enroll ──► consent / (code)   (policy or acr_values step-up)
 *
 * | step           | pages                         | what its form may change                       |
 * | -------------- | ----------------------------- | ---------------------------------------------- |
 * | `organization` | /u/organization               | the organization, once, only when the app      |
 * |                |                               | requires one and the request named none        |
 * | `login`        | /u/login, /u/signup           | who the user is (and accepts the invitation);  |
 * |                |                               | or the connection to log in with               |
 * | `upstream`     | {issuer}login/callback; the   | who the user is, as the provider says; the     |
 * |                | login page again (back button)| login page starts over (the attempt is dropped)|
 * | `link`         | /u/link (and the callback of  | who the user is: the existing account proven   |
 * |                | a connection chosen there)    | (password, or another connection of theirs),   |
 * |                |                               | or a separate new user                         |
 * | `mfa`          | /u/mfa (+ /u/mfa/continue)    | the session's factors: a TOTP or recovery code |
 * |                |                               | upgrades it to multi-factor (its `amr`)        |
 * | `mfa_enroll`   | /u/mfa/enroll (+ continue)    | a first factor enrolled (TOTP), recovery codes |
 * | `consent`      | /u/consent                    | nothing but accept or decline                  |
 *
 * The server checks the step when it loads the interaction for a page (server/src/interaction/load.ts)
 * and moves it in `proceed` (server/src/interaction/flow.ts), the one place every step ends in.
 * Later steps (an upstream provider's return, a second factor, enrolment, a password reset) join by
 * adding a name here and a page that loads its interaction at that step.
 */
import type { ApplicationRecord, AuthorizationRequest, InteractionStep } from '../records.js'

export const INTERACTION_STEPS: readonly InteractionStep[] = ['organization', 'login', 'upstream', 'link', 'mfa', 'mfa_enroll', 'consent']

export function isInteractionStep(value: unknown): value is InteractionStep {
  return typeof value === 'string' && (INTERACTION_STEPS as readonly string[]).includes(value)
}

export const NOT_AT_THIS_STEP = 'This page is not part of your login at this point. Continue from the page you were on, or go back to the application and start again.'

/**
 * Whether the organization prompt may be answered for this request: only when the app requires an
 * organization, asks for it before login, and the request named none (and so no invitation). A
 * request's organization is never replaced, and an app that does not use organizations never gets one.
 */
export function mayChooseOrganization(request: AuthorizationRequest, app: ApplicationRecord): boolean {
  return (
    request.organization === null &&
    request.invitation === null &&
    app.organizationUsage === 'require' &&
    app.organizationRequireBehavior === 'pre_login_prompt'
  )
}
