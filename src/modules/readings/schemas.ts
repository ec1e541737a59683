import { z } from 'zod'
import { MULTI_LINE } from '../../platform/text.ts'
import { isRealDay } from '../../platform/time/intervals.ts'

/** The fields of a meter as staff's and customers' forms send them, each with its message. */
export const Day = z.string().trim().refine(isRealDay, 'readings.meters.errors.day')

/** An optional text field: empty is absent, anything else must pass `schema`. */
export const optional = (schema: z.ZodType<string, string>) =>
  z
    .string()
    .trim()
    .transform((v) => v || undefined)
    .pipe(schema.optional())

export const meterNumber = z
  .string()
  .trim()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}._/-]{0,39}$/u, 'readings.meters.errors.number')

export const meterObject = z
  .string()
  .trim()
  .min(1, 'readings.meters.errors.object')
  .max(300, 'readings.meters.errors.object')
  .regex(MULTI_LINE, 'readings.meters.errors.object')

export const amrCode = optional(
  z.string().regex(/^[\p{L}\p{N}_.-]{1,40}$/u, 'readings.meters.errors.amrCode'),
)

/** The register: digits before and after the decimal point, and the multiplier (a decimal string). */
export const registerFields = {
  digits: z.coerce
    .number('readings.meters.errors.digits')
    .int('readings.meters.errors.digits')
    .min(1, 'readings.meters.errors.digits')
    .max(12, 'readings.meters.errors.digits'),
  decimals: z.coerce
    .number('readings.meters.errors.decimals')
    .int('readings.meters.errors.decimals')
    .min(0, 'readings.meters.errors.decimals')
    .max(4, 'readings.meters.errors.decimals'),
  multiplier: z
    .string()
    .trim()
    .regex(/^\d{1,7}([.,]\d{1,4})?$/, 'readings.meters.errors.multiplier')
    .transform((v) => v.replace(',', '.'))
    .refine((v) => Number(v) > 0, 'readings.meters.errors.multiplier'),
}
