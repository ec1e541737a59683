import { z } from 'zod'
import { wholeNumber } from '../../http/forms.ts'
import { isBackOfficeUrl } from '../../platform/backoffice.ts'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

/** The zones a tariff's registers may count: names every language has a word for. */
export const ZONES = ['total', 'day', 'night', 'peak', 'semipeak', 'offpeak'] as const
export type Zone = (typeof ZONES)[number]

const tariff = z.object({
  code: z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,15}$/u),
  zones: z
    .array(z.enum(ZONES))
    .min(1)
    .max(3)
    .refine((zones) => new Set(zones).size === zones.length),
})
export type Tariff = z.infer<typeof tariff>

const TariffList = z
  .array(tariff)
  .min(1)
  .max(20)
  .refine((list) => new Set(list.map((t) => t.code)).size === list.length)

/** Russian household tariffs (FST order 1473-э): single-rate, day/night, three zones. */
const RUSSIAN_TARIFFS: Tariff[] = [
  { code: 'T1', zones: ['total'] },
  { code: 'T2', zones: ['day', 'night'] },
  { code: 'T3', zones: ['peak', 'semipeak', 'night'] },
]

const dayOfMonth = (key: string) => z.number(key).int(key).min(1, key).max(31, key)

/**
 * What differs between utilities (REFERENCE.md "Meter readings"): the tariffs and their
 * zones, the monthly window in which customers may enter readings (e.g. 15th–25th; a
 * window may run over a month's end, 25th–5th), whether meters on AMR take manual
 * readings, and how far above a meter's own average a reading must be to ask for
 * confirmation. The AMR head-end's address: empty when the tenant offers no AMR data;
 * the portal sends customers' AMR credentials there, so production refuses plain http
 * but for localhost.
 */
export const readingsSettings = defineModuleSettings({
  name: 'readings',
  schema: z.object({
    amrHeadEnd: z
      .string('readings.settings.errors.amrHeadEnd')
      .trim()
      .max(300, 'readings.settings.errors.amrHeadEnd')
      .refine((v) => v === '' || isBackOfficeUrl(v), 'readings.settings.errors.amrHeadEnd')
      .default(''),
    // One message for the whole list: the form edits it as one text.
    tariffs: z
      .unknown()
      .transform((value, ctx) => {
        const list = TariffList.safeParse(value)
        if (list.success) return list.data
        ctx.addIssue({ code: 'custom', message: 'readings.settings.errors.tariffs' })
        return z.NEVER
      })
      .default(RUSSIAN_TARIFFS),
    windowFrom: dayOfMonth('readings.settings.errors.window').default(1),
    windowTo: dayOfMonth('readings.settings.errors.window').default(31),
    closedOnAmr: z.boolean().default(false),
    jumpFactor: z
      .number('readings.settings.errors.jumpFactor')
      .int('readings.settings.errors.jumpFactor')
      .min(2, 'readings.settings.errors.jumpFactor')
      .max(100, 'readings.settings.errors.jumpFactor')
      .default(3),
  }),
  view: 'admin/readings/settings.njk',
  fromForm: (body) => ({
    amrHeadEnd: body.readings_amrHeadEnd,
    tariffs: parseTariffs(body.readings_tariffs),
    windowFrom: wholeNumber(body.readings_windowFrom),
    windowTo: wholeNumber(body.readings_windowTo),
    closedOnAmr: body.readings_closedOnAmr === 'yes',
    jumpFactor: wholeNumber(body.readings_jumpFactor),
  }),
})

export type ReadingsSettings = ReturnType<typeof readingsSettings.of>

/** One tariff per line, `code: zone, zone`; a line that is not one fails the schema. */
function parseTariffs(text: unknown): unknown {
  if (typeof text !== 'string') return text
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [code = '', zones, ...rest] = line.split(':')
      if (zones === undefined || rest.length) return { code: line, zones: [] }
      return { code: code.trim(), zones: zones.split(',').map((z) => z.trim().toLowerCase()) }
    })
}

/** The settings form's text for the tariffs: the lines `parseTariffs` reads back. */
export const tariffLines = (tariffs: readonly Tariff[]): string =>
  tariffs.map((t) => `${t.code}: ${t.zones.join(', ')}`).join('\n')
