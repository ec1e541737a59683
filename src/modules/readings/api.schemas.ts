import { z } from 'zod'
import { Day, Instant, PageQuery, problemResponses } from '../../http/api.ts'
import { REVIEW_REASONS } from './rules.ts'
import { GROUPS, type GroupBy } from './intervals.service.ts'

/** The shapes of the readings API (issue 22 item 5): what handlers parse and answer, and the document says. */

export const Decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .meta({
    description: 'A decimal as stored, with the decimals it was entered or measured with; never a float',
  })
const ZoneValues = z.record(z.string(), Decimal).meta({ description: 'Per tariff zone (T1, T2, …)' })

export const Reading = z
  .object({
    id: z.uuid(),
    meter: z
      .uuid()
      .meta({ description: 'The meter it was read from (the one replaced, across an exchange)' }),
    day: Day,
    source: z.enum(['customer', 'operator', 'amr', 'estimated']),
    status: z.enum(['accepted', 'review', 'rejected', 'superseded']),
    values: ZoneValues.meta({ description: 'The register per zone, as entered' }),
    consumption: ZoneValues.nullable().meta({
      description:
        'Energy per zone since the accepted reading before it (kWh, times the multiplier); null for the first',
    }),
    enteredAt: Instant,
  })
  .meta({ id: 'Reading' })

export const Meter = z
  .object({
    id: z.uuid(),
    number: z.string(),
    object: z.string().meta({ description: 'The place it measures' }),
    tariff: z.string(),
    zones: z.array(z.string()),
    digits: z.number().int().meta({ description: 'Digits of the register before the decimal point' }),
    decimals: z.number().int(),
    multiplier: Decimal,
    installedOn: Day,
    removedOn: Day.nullable(),
    amr: z.boolean().meta({ description: 'Read remotely: interval data is available' }),
    completeUntil: Instant.nullable().meta({
      description: 'AMR meters: the A+ data has no gap before this instant; null without data',
    }),
    latest: Reading.nullable().meta({ description: 'The latest accepted reading or one under review' }),
  })
  .meta({ id: 'Meter' })

export const ReadingPage = z
  .object({
    data: z.array(Reading).meta({ description: 'Newest first, every status' }),
    next: z.string().nullable().meta({ description: 'The next page (a path with its cursor), or null' }),
  })
  .meta({ id: 'ReadingPage' })

export const ReadingInput = z
  .object({
    day: z.string('api.errors.day').meta({ description: 'The day it was read, YYYY-MM-DD' }),
    values: z
      .record(z.string(), z.string('api.errors.reading'), 'api.errors.reading')
      .meta({ description: 'The register per zone of the meter, as decimal strings ("12345.6")' }),
    confirmJump: z
      .boolean('api.problems.field')
      .default(false)
      .meta({ description: 'Confirms a use far above the usual (the 422 names `/body/confirmJump`)' }),
    review: z
      .object({
        reason: z.enum(REVIEW_REASONS, 'api.errors.reason'),
        note: z.string('api.errors.note').max(1000, 'api.errors.note').default(''),
        photo: z
          .string('api.errors.photo')
          .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'api.errors.photo')
          .max(14_000_000, 'api.errors.photo')
          .meta({ description: 'A photo of the register, JPEG or PNG, base64 (at most 10 MB decoded)' }),
      })
      .optional()
      .meta({
        description:
          'A value below the last one that is no rollover: sent with a reason and a photo, it waits for staff’s review',
      }),
  })
  .meta({ id: 'ReadingInput' })

export const Entered = z
  .object({ id: z.uuid(), status: z.enum(['accepted', 'review']) })
  .meta({ id: 'EnteredReading' })

/** A period's bound: a day (the tenant's midnight) or an instant with its offset. */
const Bound = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], 'api.errors.period')
  .meta({ description: 'YYYY-MM-DD (midnight in the tenant’s zone) or RFC 3339 with offset' })

export const IntervalsQuery = z.object({
  period_from: Bound.meta({ description: 'Inclusive' }),
  period_to: Bound.meta({ description: 'Exclusive' }),
  group_by: z.enum(GROUPS, 'api.errors.groupBy').default('interval'),
  channel: z
    .enum(['01', '02', '03', '04'], 'api.errors.channel')
    .default('01')
    .meta({ description: '01 A+ (import), 02 A− (export), 03 R+, 04 R−' }),
})

export const IntervalSeries = z
  .object({
    meter: z.uuid(),
    channel: z.string(),
    groupBy: z.enum(GROUPS),
    from: Instant,
    to: Instant,
    completeUntil: Instant.nullable().meta({
      description: 'The A+ data has no gap before this instant; later values may still arrive',
    }),
    data: z.array(
      z.object({
        start: Instant.meta({ description: 'UTC' }),
        end: Instant,
        local: z.string().meta({ description: 'The start on the tenant’s clock, with its offset' }),
        value: Decimal.nullable().meta({
          description: 'kWh (kvarh for R): the sum of the periods that have a value; null when none has',
        }),
        periods: z.number().int(),
        missing: z.number().int().meta({ description: 'Periods stored without a value' }),
      }),
    ),
  })
  .meta({ id: 'IntervalSeries' })

/** The longest period one answer covers, per grouping: a month of 15-minute periods is 2,976 rows. */
export const MAX_DAYS: Record<GroupBy, number> = { interval: 31, hour: 92, day: 732, month: 3_660 }

const meterPath = { path: z.object({ id: z.uuid() }) }

/** The readings operations as the OpenAPI document describes them. */
export const readingsPaths = {
  '/v1/meters': {
    get: {
      operationId: 'listMeters',
      summary: "The account's meters, each with its latest reading",
      description: 'Scope `readings:read`.',
      responses: {
        '200': {
          description: 'The meters',
          content: { 'application/json': { schema: z.object({ data: z.array(Meter) }) } },
        },
        ...problemResponses(401, 403, 404, 429),
      },
    },
  },
  '/v1/meters/{id}/readings': {
    get: {
      operationId: 'listReadings',
      summary: "A meter's readings, newest first (across a meter exchange)",
      description: 'Scope `readings:read`.',
      requestParams: { ...meterPath, query: PageQuery },
      responses: {
        '200': { description: 'A page', content: { 'application/json': { schema: ReadingPage } } },
        ...problemResponses(401, 403, 404, 422, 429),
      },
    },
    post: {
      operationId: 'enterReading',
      summary: 'Enter a reading: the same window, checks and review as the page',
      description:
        'Scope `readings:write`. A use far above the usual is refused until `confirmJump` is true; a value below the last one that is no rollover is refused unless `review` carries a reason and a photo — it then waits for staff (status `review`). A second reading of the same day replaces the first, which stays in history. Send an `Idempotency-Key` to retry safely.',
      requestParams: {
        ...meterPath,
        header: z.object({ 'Idempotency-Key': z.string().min(1).max(100).optional() }),
      },
      requestBody: { content: { 'application/json': { schema: ReadingInput } } },
      responses: {
        '201': { description: 'Entered', content: { 'application/json': { schema: Entered } } },
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
      },
    },
  },
  '/v1/meters/{id}/intervals': {
    get: {
      operationId: 'getIntervals',
      summary: "An AMR meter's interval data over a period, as measured or summed",
      description: `Scope \`readings:read\`. At most ${MAX_DAYS.interval} days by interval, ${MAX_DAYS.hour} by hour, ${MAX_DAYS.day} by day and ${MAX_DAYS.month} by month. Days and months begin at midnight in the tenant’s zone.`,
      requestParams: { ...meterPath, query: IntervalsQuery },
      responses: {
        '200': { description: 'The series', content: { 'application/json': { schema: IntervalSeries } } },
        ...problemResponses(401, 403, 404, 422, 429),
      },
    },
  },
}
