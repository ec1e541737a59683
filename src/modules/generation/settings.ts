import { z } from 'zod'
import { wholeNumber } from '../../http/forms.ts'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

/**
 * No public PGB specification exists, so what an operator might set differently is a
 * tenant setting: the market time unit, the unit values are entered in, their precision,
 * the gate closure ("D-1 at 14:00") and how long before it customers are reminded.
 */
export const generationSettings = defineModuleSettings({
  name: 'generation',
  schema: z.object({
    resolution: z.union([z.literal(15), z.literal(60)], 'generation.settings.errors.resolution').default(15),
    unit: z.enum(['kW', 'MW'], 'generation.settings.errors.unit').default('kW'),
    precision: z
      .number('generation.settings.errors.precision')
      .int('generation.settings.errors.precision')
      .min(0, 'generation.settings.errors.precision')
      .max(3, 'generation.settings.errors.precision')
      .default(3),
    gateDays: z
      .number('generation.settings.errors.gateDays')
      .int('generation.settings.errors.gateDays')
      .min(0, 'generation.settings.errors.gateDays')
      .max(7, 'generation.settings.errors.gateDays')
      .default(1),
    gateTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'generation.settings.errors.gateTime')
      .default('14:00'),
    reminderHours: z
      .number('generation.settings.errors.reminderHours')
      .int('generation.settings.errors.reminderHours')
      .min(1, 'generation.settings.errors.reminderHours')
      .max(24, 'generation.settings.errors.reminderHours')
      .default(3),
  }),
  view: 'admin/generation/settings.njk',
  fromForm: (body) => ({
    resolution: Number(body.generation_resolution),
    unit: body.generation_unit,
    precision: wholeNumber(body.generation_precision),
    gateDays: wholeNumber(body.generation_gateDays),
    gateTime:
      typeof body.generation_gateTime === 'string'
        ? body.generation_gateTime.trim()
        : body.generation_gateTime,
    reminderHours: wholeNumber(body.generation_reminderHours),
  }),
})

export type GenerationSettings = ReturnType<typeof generationSettings.of>
