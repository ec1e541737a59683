import { createHash } from 'node:crypto'
import type { RequestHandler, Response } from 'express'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Deps } from '../../deps.ts'
import { problem } from '../../http/api.ts'

/** How long a key is remembered: retries come within minutes; a day is the common promise. */
const KEPT_MS = 86_400_000
const KEY = /^[\x21-\x7e]{1,100}$/

/**
 * `Idempotency-Key` for a POST (optional; required shape when sent): the first request with
 * a key claims it, and its answer (2xx or 4xx) is stored; the same key again with the same
 * request gets that answer again (`Idempotent-Replayed: true`), with another request 422,
 * and while the first is still running 409. A failure of ours (5xx) frees the key.
 */
export function idempotent(deps: Pick<Deps, 'db' | 'clock' | 'logger'>): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key')
    if (key === undefined) return next()
    if (!KEY.test(key))
      return problem(res, 422, 'invalid', {
        errors: [{ pointer: '/header/Idempotency-Key', detail: res.locals.t('api.errors.idempotencyKey') }],
      })
    const tenantId = res.locals.tenant!.id
    const tokenId = res.locals.apiToken!.id
    const hash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex')
    const now = deps.clock.now()
    const claimed = await withTenant(deps.db, tenantId, async (trx) => {
      await trx('api_idempotency_keys')
        .where({ token_id: tokenId, key })
        .where('created_at', '<', new Date(now.getTime() - KEPT_MS))
        .del()
      const [row] = await trx('api_idempotency_keys')
        .insert({ tenant_id: tenantId, token_id: tokenId, key, request_hash: hash, created_at: now })
        .onConflict(['tenant_id', 'token_id', 'key'])
        .ignore()
        .returning<{ id: string }[]>('id')
      if (row) return { id: row.id }
      return {
        earlier: await trx('api_idempotency_keys')
          .where({ token_id: tokenId, key })
          .first<{ request_hash: string; status: number | null; answer: unknown }>(
            'request_hash',
            'status',
            'answer',
          ),
      }
    })
    if ('earlier' in claimed) {
      const earlier = claimed.earlier!
      if (earlier.request_hash !== hash) return problem(res, 422, 'idempotencyMismatch')
      if (earlier.status === null) return problem(res, 409, 'conflict')
      res.set('Idempotent-Replayed', 'true')
      return void res.status(earlier.status).json(earlier.answer)
    }
    // The answer is kept as it is sent.
    const json = res.json.bind(res)
    res.json = (body: unknown): Response => {
      const status = res.statusCode
      const store =
        status >= 500
          ? withTenant(deps.db, tenantId, (trx) =>
              trx('api_idempotency_keys').where({ id: claimed.id }).del(),
            )
          : withTenant(deps.db, tenantId, (trx) =>
              trx('api_idempotency_keys')
                .where({ id: claimed.id })
                .update({ status, answer: JSON.stringify(body) }),
            )
      store.then(
        () => json(body),
        (err: unknown) => {
          deps.logger.error({ err }, 'idempotency key not stored')
          json(body)
        },
      )
      return res
    }
    next()
  }
}
