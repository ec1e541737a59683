import { z } from 'zod'
import { Instant } from '../../http/api.ts'

/** The shapes of the generation API (issue 22 item 3): what handlers parse and answer, and the document says. */

export const Decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .meta({ description: "A decimal in the tenant's unit (kW or MW) and precision, never a float" })

export const Unit = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    technology: z.string(),
    capacity: Decimal,
    valueUnit: z.enum(['kW', 'MW']),
    activeFrom: z.iso.date(),
    activeTo: z.iso.date().nullable(),
  })
  .meta({ id: 'GeneratingUnit' })

export const Interval = z.object({
  position: z.number().int().min(1),
  start: Instant.meta({ description: 'UTC' }),
  end: Instant,
  label: z.string().meta({
    description: 'Local start in the tenant’s zone; the repeated autumn hour is marked A/B ("02:00 A")',
  }),
  value: Decimal.nullable(),
})

export const DaySchedule = z
  .object({
    unit: z.uuid(),
    day: z.iso.date(),
    status: z.string().meta({ description: 'none, draft, submitted, accepted, rejected' }),
    version: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'The newest submitted version; 0 when none yet (also the ETag)' }),
    resolution: z.union([z.literal(15), z.literal(60)]),
    valueUnit: z.enum(['kW', 'MW']),
    gateClosesAt: Instant,
    open: z.boolean(),
    intervals: z.array(Interval),
  })
  .meta({ id: 'DaySchedule' })

export const DayInput = z
  .object({
    values: z.array(z.string('api.errors.values'), 'api.errors.values').meta({
      description: 'One decimal per interval of the day, in order: 92, 96 or 100 of them at 15 minutes',
    }),
  })
  .meta({ id: 'DayScheduleInput' })

export const Saved = z
  .object({ version: z.number().int(), changed: z.boolean() })
  .meta({ id: 'SavedSchedule' })

export const Version = z.object({
  version: z.number().int().min(1),
  status: z.string().meta({ description: 'submitted, accepted, rejected or superseded' }),
  createdAt: Instant,
  total: Decimal.meta({ description: "The day's sum of the version's values, in the tenant's unit" }),
  history: z.array(
    z.object({ at: Instant, from: z.string().nullable(), to: z.string(), comment: z.string().nullable() }),
  ),
})

export const VersionList = z
  .object({ data: z.array(Version).meta({ description: 'Newest first' }) })
  .meta({ id: 'ScheduleVersions' })

export const UnitDay = z.object({ unit: z.uuid(), day: z.iso.date() })
