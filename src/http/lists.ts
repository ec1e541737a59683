import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Response } from 'express'
import type { Knex } from 'knex'
import { cursorRows } from '../db/knex.ts'
import { planForEachValue } from '../db/statements.ts'
import { withTenant } from '../db/tenant-scope.ts'
import type { RequestContext } from '../platform/context.ts'
import { z } from 'zod'
import type { CsvColumn } from '../platform/csv.ts'
import { writeCsv } from '../platform/csv.ts'

/** `?page=` of a staff list; anything else means the first page. */
export const PageParam = z.coerce.number().int().min(1).max(100_000).catch(1)

/** How far a tenant-wide queue counts before it says "more than": 20 pages of 50. */
export const QUEUE_COUNT_UP_TO = 1_000

export interface Page<T> {
  rows: T[]
  page: number
  pages: number
  total: number
  /**
   * More rows match than were counted (`countUpTo`): `total` is that bound and `pages` the
   * pages known so far (up to the one after this); the list says "more than" and offers "next".
   */
  more?: boolean
}

/**
 * One page of a query, with the total so the page can say "page 3 of 12" (lists never stop
 * silently). A list that may grow without bound (a tenant's whole queue) passes `countUpTo`:
 * counting then stops there, so a page costs the same with 10,000 rows as with 1,000 —
 * an exact count reads every matching row on every page view.
 */
export async function paginate<T>(
  query: Knex.QueryBuilder,
  page: number,
  perPage = 50,
  options: { countUpTo?: number } = {},
): Promise<Page<T>> {
  // A list's filters make a plan per value worth more than a generic one (statements.ts).
  await planForEachValue(query.client)
  const cap = options.countUpTo
  const matching = query.clone().clearSelect().clearOrder()
  const counted = cap
    ? await query.client
        .queryBuilder()
        .count<{ n: string }[]>('* as n')
        .from(
          matching
            .select(query.client.raw('1'))
            .limit(cap + 1)
            .as('matching'),
        )
    : await matching.count<{ n: string }[]>('* as n')
  const n = Number(counted[0]?.n ?? 0)
  if (cap && n > cap) {
    // Past the counted rows a page asks one row more than it shows: is there a next page?
    const known = Math.ceil(cap / perPage)
    const pageOf = (p: number) => query.limit(perPage + 1).offset((p - 1) * perPage) as Promise<T[]>
    let current = page
    let rows = await pageOf(current)
    // A page past the end (an old link): the last page counted, as an exact count would clamp.
    if (!rows.length && current > known) rows = await pageOf((current = known))
    return {
      rows: rows.slice(0, perPage),
      page: current,
      pages: Math.max(known, current + (rows.length > perPage ? 1 : 0)),
      total: cap,
      more: true,
    }
  }
  const pages = Math.max(1, Math.ceil(n / perPage))
  const current = Math.min(page, pages)
  const rows = (await query.limit(perPage).offset((current - 1) * perPage)) as T[]
  return { rows, page: current, pages, total: n }
}

/**
 * The same in one round trip, for a list that is short as a whole (a meter's readings): the
 * total comes with the rows (`count(*) OVER ()`). Not for long lists: the window computes
 * every row before the page is cut. A page past the end falls back to counting.
 */
export async function paginateShort<T>(
  query: Knex.QueryBuilder,
  page: number,
  perPage = 50,
): Promise<Page<T>> {
  const rows = (await query
    .clone()
    .select(query.client.raw('count(*) OVER () AS page_total'))
    .limit(perPage)
    .offset((page - 1) * perPage)) as (T & { page_total: string })[]
  if (!rows.length && page > 1) return paginate<T>(query, page, perPage)
  const total = Number(rows[0]?.page_total ?? 0)
  return {
    rows: rows.map(({ page_total: _, ...row }) => row as T),
    page,
    pages: Math.max(1, Math.ceil(total / perPage)),
    total,
  }
}

/**
 * The govukPagination macro's parameters for this request: previous, next and nearby
 * page numbers, each link keeping the list's filters.
 */
export function pagination(
  req: { path: string; query: Record<string, unknown> },
  page: Pick<Page<unknown>, 'page' | 'pages' | 'more'>,
  landmarkLabel: string,
) {
  const href = (n: number) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(req.query))
      if (typeof v === 'string' && k !== 'page') params.set(k, v)
    params.set('page', String(n))
    return `${req.path}?${params.toString()}`
  }
  if (page.pages <= 1) return undefined
  // Past a bounded count the last page is not known: no number for it, an ellipsis instead.
  const numbers = [
    ...new Set([1, page.page - 1, page.page, page.page + 1, ...(page.more ? [] : [page.pages])]),
  ]
    .filter((n) => n >= 1 && n <= page.pages)
    .sort((a, b) => a - b)
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = []
  numbers.forEach((n, i) => {
    if (i > 0 && n - numbers[i - 1]! > 1) items.push({ ellipsis: true })
    items.push({ number: n, href: href(n), current: n === page.page })
  })
  if (page.more && page.page < page.pages) items.push({ ellipsis: true })
  return {
    landmarkLabel,
    items,
    previous: page.page > 1 ? { href: href(page.page - 1) } : undefined,
    next: page.page < page.pages ? { href: href(page.page + 1) } : undefined,
  }
}

/** One page of a tenant's list, read in the tenant's scope: what a list handler calls. */
export function listPage<T>(
  db: Knex,
  ctx: RequestContext,
  query: (trx: Knex.Transaction) => Knex.QueryBuilder,
  page: number,
  options: { perPage?: number; countUpTo?: number } = {},
): Promise<Page<T>> {
  return withTenant(db, ctx.tenant.id, (trx) => paginate<T>(query(trx), page, options.perPage, options))
}

/**
 * The same list as a CSV download: what the filters show, every page of it. Read through
 * a cursor in one transaction of the tenant's scope (one consistent view, each row read
 * once) into a temporary file as fast as the database gives it, then sent from the file:
 * a slow client never holds a transaction or a connection, and memory stays one batch.
 */
export async function exportList<T>(
  res: Response,
  db: Knex,
  filename: string,
  columns: readonly CsvColumn<T>[],
  query: (trx: Knex.Transaction) => Knex.QueryBuilder,
): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kabinet-export-'))
  const file = path.join(dir, 'list.csv')
  try {
    await withTenant(db, res.locals.ctx.tenant.id, (trx) =>
      writeCsv(
        createWriteStream(file, { mode: 0o600 }),
        columns,
        cursorRows<T>(trx, query(trx)),
        res.locals.locale,
      ),
    )
    res.set('Content-Type', 'text/csv; charset=utf-8')
    res.set(
      'Content-Disposition',
      `attachment; filename="${filename}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    )
    res.set('Cache-Control', 'no-store')
    await pipeline(createReadStream(file), res)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
