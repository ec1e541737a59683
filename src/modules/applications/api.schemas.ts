import { z } from 'zod'
import { Day, Instant, PageQuery } from '../../http/api.ts'
import { MULTI_LINE } from '../../platform/text.ts'
import { MESSAGE_MAX } from './pages.ts'
import { APPLICATION_STATUSES } from './workflows.ts'

/** The shapes of the applications API (issue 22 item 4): what handlers parse and answer, and the document says. */

export const StoredFile = z.object({
  id: z.uuid(),
  name: z.string(),
  mediaType: z.string(),
  size: z.number().int().min(0),
  href: z.string().meta({ description: 'Where to download it (the same token)' }),
})

export const ApplicationSummary = z
  .object({
    id: z.uuid(),
    number: z.string().nullable().meta({ description: 'Given when it is first sent' }),
    type: z.string().meta({ description: "The application type's code" }),
    typeName: z.string().meta({ description: "The type's name in the language of Accept-Language" }),
    status: z.enum(APPLICATION_STATUSES),
    createdAt: Instant,
    submittedAt: Instant.nullable(),
    dueOn: Day.nullable().meta({ description: 'The day the review is due by' }),
    unreadMessages: z.number().int().min(0),
  })
  .meta({ id: 'ApplicationSummary' })

export const ApplicationPage = z
  .object({
    data: z.array(ApplicationSummary),
    next: z.string().nullable().meta({ description: 'The next page (a path with its cursor), or null' }),
  })
  .meta({ id: 'ApplicationPage' })

export const Application = ApplicationSummary.extend({
  files: z.array(StoredFile).meta({ description: 'Documents sent with the application and by staff' }),
  history: z.array(
    z.object({
      at: Instant,
      from: z.string().nullable(),
      to: z.string(),
      comment: z.string().nullable(),
    }),
  ),
}).meta({ id: 'Application' })

export const Message = z.object({
  n: z.number().int().min(1).meta({ description: 'Its number in the conversation, from 1' }),
  author: z.enum(['customer', 'operator']),
  body: z.string(),
  at: Instant,
  files: z.array(StoredFile),
})

export const MessagePage = z
  .object({
    data: z.array(Message).meta({ description: 'Up to 50, oldest first' }),
    earlier: z.string().nullable().meta({ description: 'The page of earlier messages, or null' }),
  })
  .meta({ id: 'MessagePage' })

export const MessageInput = z
  .object({
    body: z
      .string('api.errors.message')
      .trim()
      .min(1, 'api.errors.message')
      .max(MESSAGE_MAX, 'api.errors.message')
      .regex(MULTI_LINE, 'api.errors.message'),
  })
  .meta({ id: 'MessageInput' })

export const MessagesQuery = z.object({
  before: z.coerce
    .number('api.errors.before')
    .int('api.errors.before')
    .min(1, 'api.errors.before')
    .optional(),
})

export const ListQuery = PageQuery.extend({
  status: z.enum(APPLICATION_STATUSES, 'api.errors.status').optional(),
})
