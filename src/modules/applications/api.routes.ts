import { Router, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { invalid, problem, problemResponses, requireScope, type ApiResources } from '../../http/api.ts'
import { isUuid } from '../../platform/ids.ts'
import { attachmentDownload } from '../../http/download.ts'
import type { Attachment } from '../../platform/files/attachments.ts'
import { MEDIA_TYPES } from '../../platform/files/sniff.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { tenantText } from '../../platform/tenancy/texts.ts'
import { requireServiceForApi } from '../services/index.ts'
import type { ListedApplication } from './list.service.ts'
import { createApplicationServices } from './services.ts'
import { idempotent } from '../api/index.ts'
import {
  Application,
  ApplicationPage,
  ApplicationSummary,
  ListQuery,
  Message,
  MessageInput,
  MessagePage,
  MessagesQuery,
} from './api.schemas.ts'

/** The cursor is the last row's (created_at, id): opaque to clients, checked when read back. */
const encodeCursor = (row: ListedApplication) =>
  Buffer.from(`${row.created_at.toISOString()}|${row.id}`).toString('base64url')
function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|')
  const createdAt = new Date(at ?? '')
  return id && isUuid(id) && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : undefined
}

/** The account's applications for API tokens with `applications:read`: the pages' services, as JSON. */
export function applicationsApi(deps: Deps): ApiResources {
  const applications = createApplicationServices(deps)
  const router = Router()
  const summary = (res: Response, a: ListedApplication): z.infer<typeof ApplicationSummary> => ({
    id: a.id,
    number: a.number,
    type: a.type_code,
    typeName:
      tenantText(a.type_name, res.locals.locale, res.locals.tenant!.settings.defaultLocale)?.text ??
      a.type_code,
    status: a.status,
    createdAt: a.created_at.toISOString(),
    submittedAt: a.submitted_at?.toISOString() ?? null,
    dueOn: a.due_on,
    unreadMessages: Number(a.unread),
  })
  router.get('/api/v1/applications', requireScope('applications:read'))
  router.get('/api/v1/applications/:id', requireScope('applications:read'))
  router.get('/api/v1/applications/:id/messages', requireScope('applications:read'))
  router.post('/api/v1/applications/:id/messages', requireScope('applications:write'))
  router.use('/api/v1/applications', requireServiceForApi(deps, 'applications'))
  const reader = (res: Response) => ({ side: 'customer' as const, customerId: res.locals.customer!.id })
  const fileJson = (applicationId: string, f: Attachment) => ({
    id: f.attachmentId,
    name: f.originalName,
    mediaType: f.mediaType,
    size: f.size,
    href: `/api/v1/applications/${applicationId}/files/${f.attachmentId}`,
  })

  router.get('/api/v1/applications', async (req, res) => {
    const query = ListQuery.safeParse(req.query)
    if (!query.success) return invalid(res, 'query', query.error)
    const after = query.data.cursor ? decodeCursor(query.data.cursor) : undefined
    if (query.data.cursor && !after)
      return problem(res, 422, 'invalid', {
        errors: [{ pointer: '/query/cursor', detail: res.locals.t('api.errors.cursor') }],
      })
    const page = await applications.customerFeed(res.locals.ctx, res.locals.customer!.id, {
      status: query.data.status,
      after,
      limit: query.data.limit,
    })
    const last = page.rows.at(-1)
    const next =
      page.more && last
        ? `/api/v1/applications?${new URLSearchParams({
            ...(query.data.status ? { status: query.data.status } : {}),
            limit: String(query.data.limit),
            cursor: encodeCursor(last),
          }).toString()}`
        : null
    res.json(ApplicationPage.parse({ data: page.rows.map((a) => summary(res, a)), next }))
  })

  router.get('/api/v1/applications/:id', async (req, res) => {
    if (!isUuid(req.params.id)) throw new NotFoundError('application')
    const view = await applications.viewApplication(res.locals.ctx, req.params.id, reader(res))
    const a = view.application
    res.json(
      Application.parse({
        ...summary(res, {
          ...a,
          type_name: view.type.definition.name,
          unread: Math.max(0, Number(a.last_message_n) - Number(a.customer_read_n)),
        }),
        files: view.files.map((f) => fileJson(a.id, f)),
        history: view.history.map((h) => ({
          at: h.at.toISOString(),
          from: h.from_status,
          to: h.to_status,
          comment: h.comment,
        })),
      }),
    )
  })

  router.get('/api/v1/applications/:id/messages', async (req, res) => {
    if (!isUuid(req.params.id)) throw new NotFoundError('application')
    const query = MessagesQuery.safeParse(req.query)
    if (!query.success) return invalid(res, 'query', query.error)
    const view = await applications.viewApplication(res.locals.ctx, req.params.id, reader(res), {
      before: query.data.before,
    })
    res.json(
      MessagePage.parse({
        data: view.messages.map((m) => ({
          n: Number(m.n),
          author: m.author_type,
          body: m.body,
          at: m.created_at.toISOString(),
          files: (view.messageFiles.get(m.id) ?? []).map((f) => fileJson(req.params.id, f)),
        })),
        earlier: view.earlier
          ? `/api/v1/applications/${req.params.id}/messages?before=${view.earlier}`
          : null,
      }),
    )
  })

  router.post('/api/v1/applications/:id/messages', idempotent(deps), async (req, res) => {
    if (!isUuid(req.params.id)) throw new NotFoundError('application')
    const input = MessageInput.safeParse(req.body)
    if (!input.success) return invalid(res, 'body', input.error)
    const sent = await applications.postMessage(
      res.locals.ctx,
      req.params.id,
      reader(res),
      input.data.body,
      [],
    )
    res.status(201).json(
      Message.parse({
        n: sent.n,
        author: 'customer',
        body: input.data.body,
        at: sent.at.toISOString(),
        files: [],
      }),
    )
  })

  router.get('/api/v1/applications/:id/files/:attachmentId', requireScope('applications:read'))
  router.get(
    '/api/v1/applications/:id/files/:attachmentId',
    (req, _res, next) =>
      next(isUuid(req.params.id) && isUuid(req.params.attachmentId) ? undefined : new NotFoundError('file')),
    attachmentDownload(deps, (ctx, attachment, req) =>
      applications.mayReadApplicationFile(ctx, attachment, String(req.params.id), reader(req.res!)),
    ),
  )

  return {
    router,
    paths: {
      '/v1/applications': {
        get: {
          operationId: 'listApplications',
          summary: "The account's applications, newest first",
          description: 'Scope `applications:read`. Cursor paging: follow `next` until it is null.',
          requestParams: { query: ListQuery },
          responses: {
            '200': {
              description: 'A page of applications',
              content: { 'application/json': { schema: ApplicationPage } },
            },
            ...problemResponses(401, 403, 404, 422, 429),
          },
        },
      },
      '/v1/applications/{id}': {
        get: {
          operationId: 'getApplication',
          summary: 'One application, with its status history',
          description: 'Scope `applications:read`.',
          requestParams: { path: z.object({ id: z.uuid() }) },
          responses: {
            '200': {
              description: 'The application',
              content: { 'application/json': { schema: Application } },
            },
            ...problemResponses(401, 403, 404, 429),
          },
        },
      },
      '/v1/applications/{id}/files/{attachmentId}': {
        get: {
          operationId: 'getApplicationFile',
          summary: 'Download a document of the application or of its conversation',
          description: 'Scope `applications:read`. Sent as an attachment, as stored.',
          requestParams: { path: z.object({ id: z.uuid(), attachmentId: z.uuid() }) },
          responses: {
            '200': {
              description: 'The file, as the type it was stored as (its bytes were checked on upload)',
              // OpenAPI 3.1: a binary body has no schema, only its media type.
              content: Object.fromEntries(Object.values(MEDIA_TYPES).map((m) => [m.mime, {}])),
            },
            ...problemResponses(401, 403, 404, 429),
          },
        },
      },
      '/v1/applications/{id}/messages': {
        get: {
          operationId: 'listMessages',
          summary: "An application's conversation, 50 messages a page",
          description: 'Scope `applications:read`. Reading marks nothing as read.',
          requestParams: { path: z.object({ id: z.uuid() }), query: MessagesQuery },
          responses: {
            '200': { description: 'Messages', content: { 'application/json': { schema: MessagePage } } },
            ...problemResponses(401, 403, 404, 422, 429),
          },
        },
        post: {
          operationId: 'postMessage',
          summary: 'Write to the staff in the application’s conversation',
          description:
            'Scope `applications:write`. Send an `Idempotency-Key` to retry safely: the same key and request get the first answer again.',
          requestParams: {
            path: z.object({ id: z.uuid() }),
            header: z.object({ 'Idempotency-Key': z.string().optional() }),
          },
          requestBody: { content: { 'application/json': { schema: MessageInput } } },
          responses: {
            '201': { description: 'Sent', content: { 'application/json': { schema: Message } } },
            ...problemResponses(400, 401, 403, 404, 409, 415, 422, 429),
          },
        },
      },
    },
  }
}
