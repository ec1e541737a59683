import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  MIGRATION_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.email().default('no-reply@kabinet.localhost'),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  LOG_LEVEL: LogLevel.default('info'),
  FILES_DIR: z.string().min(1).default('./var/files'),
  VAR_DIR: z.string().min(1).default('./var'),
  // /metrics answers only a request bearing this token; without it, /metrics does not exist.
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  // On SIGTERM, how long to keep serving (readiness already 503) before closing the listener.
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
  // The most one upload form's request may carry, all files together (a proxy in front
  // should allow at least this much).
  UPLOAD_MAX_REQUEST_MB: z.coerce.number().int().min(1).max(2048).default(100),
  // The public API's quotas: requests a minute per token, and per address before a token is looked at.
  API_TOKEN_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  API_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
  // Whether webhook endpoints may be http:// or reach loopback and private addresses (a
  // receiver on the developer's machine); by default only outside production.
  WEBHOOK_PRIVATE_ADDRESSES: z.enum(['true', 'false']).optional(),
  // A TrueType font with Latin, Cyrillic and Chinese glyphs for PDF receipts (Debian's
  // fonts-wqy-microhei by default); a collection (.ttc) names its face after '#'.
  // Where the back-office simulator answers in development (docker compose runs it as its
  // own service); unset, `npm start` runs one beside the portal on 127.0.0.1:4010.
  SIMULATOR_URL: z.url({ protocol: /^https?$/ }).optional(),
  PDF_FONT: z.string().min(1).default('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#WenQuanYiMicroHei'),
})

export type Config = Readonly<{
  env: 'development' | 'production' | 'test'
  isProduction: boolean
  port: number
  databaseUrl: string | undefined
  migrationDatabaseUrl: string | undefined
  sessionSecret: string
  smtpUrl: string | undefined
  mailFrom: string
  trustProxyHops: number
  logLevel: z.infer<typeof LogLevel>
  filesDir: string
  varDir: string
  metricsToken: string | undefined
  shutdownDrainMs: number
  uploadMaxRequestBytes: number
  api: { perToken: number; perAddress: number }
  /** Webhook endpoints may use http:// and reach loopback or private addresses. */
  webhookPrivateAddresses: boolean
  /** The back-office simulator's address when it runs elsewhere (development only). */
  simulatorUrl: string | undefined
  /** The receipts' font (file and, in a collection, face); undefined outside production when the file is missing (no receipts then). */
  pdfFont: { file: string; face: string | undefined } | undefined
}>

/** Thrown when the environment cannot be turned into a valid configuration. */
export class ConfigError extends Error {}

/**
 * Parses the environment once. The message names the first bad variable so that a
 * misconfigured boot stops with one line an operator can act on.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
  const parsed = EnvSchema.safeParse(blankAsUnset)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError(`Invalid configuration: ${issue?.path.join('.')} ${issue?.message ?? ''}`.trim())
  }
  const e = parsed.data
  const isProduction = e.NODE_ENV === 'production'
  if (isProduction && !e.SESSION_SECRET) {
    throw new ConfigError('Invalid configuration: SESSION_SECRET is required in production')
  }
  if (isProduction && !e.DATABASE_URL) {
    throw new ConfigError('Invalid configuration: DATABASE_URL is required in production')
  }
  if (isProduction && !e.SMTP_URL) {
    throw new ConfigError('Invalid configuration: SMTP_URL is required in production')
  }
  const [fontFile = '', fontFace] = e.PDF_FONT.split('#')
  const pdfFont = existsSync(fontFile) ? { file: path.resolve(fontFile), face: fontFace } : undefined
  if (isProduction && !pdfFont) {
    throw new ConfigError(
      `Invalid configuration: PDF_FONT ${fontFile} does not exist (install fonts-wqy-microhei)`,
    )
  }
  const varDir = path.resolve(e.VAR_DIR)
  return Object.freeze({
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL,
    sessionSecret: e.SESSION_SECRET ?? developmentSecret(varDir),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    logLevel: e.LOG_LEVEL,
    filesDir: path.resolve(e.FILES_DIR),
    varDir,
    metricsToken: e.METRICS_TOKEN,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    uploadMaxRequestBytes: e.UPLOAD_MAX_REQUEST_MB * 1024 * 1024,
    api: { perToken: e.API_TOKEN_PER_MINUTE, perAddress: e.API_ADDRESS_PER_MINUTE },
    webhookPrivateAddresses: e.WEBHOOK_PRIVATE_ADDRESSES
      ? e.WEBHOOK_PRIVATE_ADDRESSES === 'true'
      : !isProduction,
    simulatorUrl: e.SIMULATOR_URL,
    pdfFont,
  })
}

/** Kept in ./var so that development sessions survive a restart. */
function developmentSecret(varDir: string): string {
  const file = path.join(varDir, 'session-secret')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    mkdirSync(varDir, { recursive: true })
    const secret = randomBytes(32).toString('base64url')
    writeFileSync(file, secret, { mode: 0o600 })
    return secret
  }
}
