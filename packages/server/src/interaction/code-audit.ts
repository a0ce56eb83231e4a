/**
 * The audit event of an issued authorization code: who, for which app, API and scopes, how it was
 * delivered, whether it was a silent (`prompt=none`) login, and the organization logged in to.
 * Never the code itself.
 */
import type { AuditEventInput, AuthorizationCodeRecord, AuthorizationRequest } from '@latchkey/core'

export function codeIssuedEvent(record: AuthorizationCodeRecord, request: AuthorizationRequest): AuditEventInput {
  return {
    type: 'authorization_code_issued',
    clientId: record.clientId,
    userId: record.userId,
    details: {
      audience: record.audience,
      scope: record.scope.join(' '),
      response_mode: request.responseMode,
      prompt: request.prompt.join(' ') || undefined,
      pkce: record.codeChallenge !== null,
      org_id: record.organization ?? undefined,
    },
  }
}
