import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { EMPTY_PAGE, readFilters } from '../../http/filters.ts'
import { renderInvalid, type FieldError } from '../../http/forms.ts'
import { PageParam, exportList, listPage, pagination } from '../../http/lists.ts'
import type { CsvColumn } from '../../platform/csv.ts'
import { requireOperator } from '../operators/index.ts'
import { auditQuery, type AuditRow } from './repo.ts'
import { ACTOR_TYPES, AuditFilters } from './schemas.ts'

/** The tenant's audit log for its administrators: filter, page through, export what the filters show. */
export function auditAdminRoutes(deps: Deps): Router {
  const router = Router()
  router.use(['/admin/audit', '/admin/audit.csv'], requireOperator(deps, 'admin'))

  const invalid = (req: Request, res: Response, errors: FieldError[]) =>
    renderInvalid(res, 'admin/audit/list', errors, undefined, {
      page: EMPTY_PAGE,
      filters: req.query,
      actorTypes: ACTOR_TYPES,
      csvHref: '/admin/audit.csv',
    })

  router.get('/admin/audit', async (req, res) => {
    const read = readFilters(AuditFilters, req, res)
    if (!read.ok) return invalid(req, res, read.errors)
    const filters = read.data
    const tenant = res.locals.tenant!
    const page = await listPage<AuditRow>(
      deps.db,
      res.locals.ctx,
      (trx) => auditQuery(trx, filters, tenant.settings.timeZone),
      PageParam.parse(req.query.page),
    )
    const csvQuery = new URLSearchParams(
      Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === 'string'),
    )
    res.render('admin/audit/list', {
      page,
      filters,
      actorTypes: ACTOR_TYPES,
      pagination: pagination(req, page, res.locals.t('audit.pages')),
      csvHref: `/admin/audit.csv?${csvQuery.toString()}`,
    })
  })

  router.get('/admin/audit.csv', async (req, res: Response) => {
    const read = readFilters(AuditFilters, req, res)
    if (!read.ok) return invalid(req, res, read.errors)
    const filters = read.data
    const tenant = res.locals.tenant!
    const t = res.locals.t
    const fmt = res.locals.fmt
    const columns: CsvColumn<AuditRow>[] = [
      { header: t('audit.when'), value: (r) => fmt.dateTime(r.at) },
      { header: t('audit.who'), value: (r) => t(`audit.actors.${r.actor_type}`) },
      { header: t('accounts.fields.email'), value: (r) => r.actor_email },
      { header: t('audit.action'), value: (r) => r.action },
      {
        header: t('audit.target'),
        value: (r) => [r.target_type, r.target_id].filter(Boolean).join(' '),
      },
      { header: 'IP', value: (r) => r.ip },
      { header: t('audit.details'), value: (r) => JSON.stringify(r.details) },
    ]
    await exportList(res, deps.db, `audit-${tenant.slug}.csv`, columns, (trx) =>
      auditQuery(trx, filters, tenant.settings.timeZone),
    )
  })
  return router
}
