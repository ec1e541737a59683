import { z } from 'zod'
import { CONTROL_CHARACTERS, SINGLE_LINE } from '../../platform/text.ts'
import { addDays, isRealDay } from '../../platform/time/intervals.ts'
import { isScope } from './scopes.ts'
import { ACCOUNT_EVENTS, type AccountEventType } from '../../platform/events.ts'
import { urlProblem } from './webhooks/address.ts'

const e = (key: string) => `api.errors.${key}`
const list = (v: unknown): unknown[] =>
  Array.isArray(v) ? (v as unknown[]) : v === undefined || v === '' ? [] : [v]

/** The longest a token may live: twelve months from today (the issue's bound). */
export const lastExpiryDay = (today: string) => addDays(today, 365)

/** A new token: a name to recognise it, at least one scope, and its last day (at most a year on). */
export const TokenForm = (today: string) =>
  z.object({
    name: z
      .string(e('name'))
      .trim()
      .regex(SINGLE_LINE, CONTROL_CHARACTERS)
      .min(1, e('name'))
      .max(80, e('nameTooLong')),
    scopes: z.preprocess(
      list,
      z
        .array(z.string())
        .min(1, e('scopes'))
        .refine((all) => all.every(isScope), e('scopes')),
    ),
    expiresOn: z
      .string(e('expiresOn'))
      .trim()
      .refine(isRealDay, e('expiresOn'))
      .refine((d) => !isRealDay(d) || d >= today, e('expiresPast'))
      .refine((d) => !isRealDay(d) || d <= lastExpiryDay(today), e('expiresTooLate')),
  })

/** A new webhook endpoint: its URL (https, reachable) and at least one event. */
export const WebhookForm = (allowPrivate: boolean) =>
  z.object({
    url: z
      .string('api.webhooks.errors.url')
      .trim()
      .min(1, 'api.webhooks.errors.url')
      .superRefine((url, check) => {
        const problem = urlProblem(url, allowPrivate)
        if (problem) check.addIssue({ code: 'custom', message: `api.webhooks.errors.${problem}` })
      }),
    events: z.preprocess(
      list,
      z
        .array(z.string())
        .min(1, 'api.webhooks.errors.events')
        .refine(
          (all) => all.every((x) => (ACCOUNT_EVENTS as readonly string[]).includes(x)),
          'api.webhooks.errors.events',
        )
        .transform((all) => all as AccountEventType[]),
    ),
  })
