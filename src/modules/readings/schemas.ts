import { z } from 'zod'
import { MULTI_LINE } from '../../platform/text.ts'
import { isRealDay } from '../../platform/time/intervals.ts'
import type { MeterInput } from './meters.service.ts'
import type { ReadingsSettings } from './settings.ts'

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

/** Staff's meter form (and each row of a meters CSV): the tariff resolved from the tenant's list. */
export const meterForm = (settings: ReadingsSettings) =>
  z
    .object({
      customerEmail: z.email('readings.meters.errors.customer'),
      number: meterNumber,
      tariff: z
        .string()
        .transform((code) => settings.tariffs.find((t) => t.code === code))
        .refine((t) => t !== undefined, 'readings.meters.errors.tariff'),
      ...registerFields,
      object: meterObject,
      installedOn: Day,
      removedOn: optional(Day),
      amrCode,
      replaces: optional(z.string().max(40, 'readings.meters.errors.replaces')),
    })
    .refine((m) => !m.removedOn || m.removedOn >= m.installedOn, {
      message: 'readings.meters.errors.removedOn',
      path: ['removedOn'],
    })

/** A checked meter form as the service takes it. */
export const toMeterInput = (m: z.output<ReturnType<typeof meterForm>>): MeterInput => ({
  customerEmail: m.customerEmail,
  number: m.number,
  tariff: m.tariff,
  digits: m.digits,
  decimals: m.decimals,
  multiplier: m.multiplier,
  object: m.object,
  installedOn: m.installedOn,
  removedOn: m.removedOn ?? null,
  amrCode: m.amrCode ?? null,
  replacesNumber: m.replaces ?? null,
})
