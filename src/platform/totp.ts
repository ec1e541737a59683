import { randomInt } from 'node:crypto'
import * as OTPAuth from 'otpauth'
import QRCode from 'qrcode'

const PERIOD = 30

function totp(secret: string, issuer: string, label: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: OTPAuth.Secret.fromBase32(secret),
  })
}

export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32
}

/** The otpauth:// URI as a QR code (a data: URL, which the CSP allows for images) for authenticator apps. */
export async function totpQrCode(secret: string, issuer: string, label: string): Promise<string> {
  return QRCode.toDataURL(totp(secret, issuer, label).toString(), { margin: 1, width: 220 })
}

/**
 * The 30-second step a code belongs to, if it is valid now (±1 step for clock drift).
 * The caller refuses steps at or before the last one accepted, so a code works once.
 */
export function totpStep(secret: string, code: string, now: Date): number | undefined {
  const token = code.replace(/\s/g, '')
  if (!/^\d{6}$/.test(token)) return undefined
  const delta = totp(secret, 'kabinet', 'operator').validate({ token, timestamp: now.getTime(), window: 1 })
  return delta === null ? undefined : Math.floor(now.getTime() / 1000 / PERIOD) + delta
}

export function totpCode(secret: string, now: Date): string {
  return totp(secret, 'kabinet', 'operator').generate({ timestamp: now.getTime() })
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** Ten single-use recovery codes like `k7pq-2mxa-9fne`, shown once. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from(
      { length: 12 },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    ).join('')
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`
  })
}

export function normaliseRecoveryCode(code: string): string {
  return code
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .replace(/^(.{4})(.{4})(.{4})$/, '$1-$2-$3')
}
