/**
 * The email provider as Auth0 shows it (`GET /emails/provider`): Latchkey's SMTP server, configured
 * by LATCHKEY_SMTP_URL and LATCHKEY_EMAIL_FROM (email/settings.ts), read only because it lives in the
 * environment. The answer never holds the password; without SMTP there is no provider (Auth0's 404),
 * whether or not the development outbox logs the emails instead (GET /tenants/settings says which).
 */
import { z } from 'zod'
import type { EmailConfig } from '../../email/settings.js'
import { notFound } from '../errors.js'
import { fieldParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'

const providerSchema = z
  .object({
    name: z.literal('smtp'),
    enabled: z.boolean(),
    default_from_address: z.string().describe('LATCHKEY_EMAIL_FROM, or Latchkey <no-reply@{issuer host}>.'),
    credentials: z
      .object({ smtp_host: z.string(), smtp_port: z.number().int(), smtp_user: z.string().optional() })
      .describe('From LATCHKEY_SMTP_URL, without the password.'),
    settings: z.object({ secure: z.boolean().describe('smtps:// (TLS from the first byte) rather than smtp:// (STARTTLS when offered).') }),
  })
  .describe('The SMTP server emails are sent through.')

export type EmailProvider = z.output<typeof providerSchema>

/** The SMTP settings in Auth0's shape, or null without SMTP. No password, ever. */
export function emailProviderOf(email: EmailConfig): EmailProvider | null {
  if (email.smtpUrl === null) return null
  const url = new URL(email.smtpUrl)
  const secure = url.protocol === 'smtps:'
  // nodemailer's defaults: 465 for smtps://, 587 for smtp://.
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port)
  const user = decodeURIComponent(url.username)
  return {
    name: 'smtp',
    enabled: true,
    default_from_address: email.from,
    credentials: { smtp_host: url.hostname, smtp_port: port, ...(user !== '' ? { smtp_user: user } : {}) },
    settings: { secure },
  }
}

export const emailProvider: Resource = {
  tag: 'emails',
  description: 'The email provider: the SMTP server of LATCHKEY_SMTP_URL, read only (configured in the environment).',
  routes: [
    route({
      method: 'get',
      path: '/emails/provider',
      summary: 'Get the email provider',
      scopes: ['read:email_provider'],
      query: z.strictObject(fieldParams),
      answer: { status: 200, description: 'The SMTP server, its user and the From address; never its password.', schema: providerSchema },
      errors: { 404: 'No SMTP server is configured (LATCHKEY_SMTP_URL is unset).' },
      async handle({ deps, query }) {
        const provider = emailProviderOf(deps.config.email)
        if (provider === null) throw notFound('Email provider has not been configured.', 'inexistent_email_provider')
        return { status: 200, body: selectFields(provider, query) }
      },
    }),
  ],
}
