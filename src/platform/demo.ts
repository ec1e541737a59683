import { createHash } from 'node:crypto'
import * as OTPAuth from 'otpauth'

/**
 * The demo tenants' sign-ins (development only; a production boot never seeds them):
 * derived from the tenant's slug, so the module that creates an account and the banner
 * that prints it agree without sharing state.
 */
export const demoLogins = (slug: string) => ({
  adminEmail: `admin@${slug}.kabinet.test`,
  adminPassword: `Demo!Admin-${slug}-2026`,
  /** The administrator's TOTP secret (base32), for an authenticator app. */
  adminTotpSecret: new OTPAuth.Secret({
    buffer: createHash('sha1').update(`kabinet-demo-totp-${slug}`).digest().buffer,
  }).base32,
  customerEmail: `customer@${slug}.kabinet.test`,
  customerPassword: `Demo!Customer-${slug}-2026`,
})
