/** The Action triggers Latchkey runs, with the export each calls, as Auth0 names them. */
export const ACTION_TRIGGERS = ['post-login', 'credentials-exchange', 'pre-user-registration', 'post-change-password'] as const
export type ActionTrigger = (typeof ACTION_TRIGGERS)[number]

export const HANDLER_OF: Readonly<Record<ActionTrigger, string>> = {
  'post-login': 'onExecutePostLogin',
  'credentials-exchange': 'onExecuteCredentialsExchange',
  'pre-user-registration': 'onExecutePreUserRegistration',
  'post-change-password': 'onExecutePostChangePassword',
}

export const isActionTrigger = (value: string): value is ActionTrigger => (ACTION_TRIGGERS as readonly string[]).includes(value)
