import type { RequestHandler } from 'express'
import session from 'express-session'
import connectPgSimple from 'connect-pg-simple'
import type pg from 'pg'
import type { Clock } from '../platform/clock.ts'
import { SESSIONS_ENDED_CHANNEL, sessionHash } from '../platform/live.ts'

export interface SessionOptions {
  pool: pg.Pool
  /** Another store (tests wrap the real one to make writes slow). */
  wrapStore?: (store: session.Store) => session.Store
  secret: string
  production: boolean
  idleMinutes?: number
  absoluteHours?: number
  clock: Clock
  /** How often an unchanged session's expiry is pushed forward in the store (tests shorten it). */
  touchEveryMs?: number
}

/** By default an unchanged session is written at most once a minute, not on every request. */
export const TOUCH_EVERY_MS = 60_000

export function cookieName(production: boolean): string {
  // The __Host- prefix requires Secure, which plain-http development cannot offer.
  return production ? '__Host-sid' : 'kabinet.sid'
}

/**
 * Server-side sessions in Postgres. The idle timeout is the rolling cookie and store
 * expiry; the absolute one is checked against the creation time kept in the session.
 * A session is bound to the tenant it was created for: presented on another tenant's
 * host it is replaced by a fresh anonymous one.
 */
export function setUpSession(options: SessionOptions): RequestHandler[] {
  const idleMs = (options.idleMinutes ?? 30) * 60_000
  const absoluteMs = (options.absoluteHours ?? 12) * 3_600_000
  const PgStore = connectPgSimple(session)
  const store = new PgStore({
    pool: options.pool,
    tableName: 'session',
    createTableIfMissing: false,
    pruneSessionInterval: 15 * 60,
    errorLog: () => {},
  })
  limitTouches(store, idleMs, options.touchEveryMs ?? TOUCH_EVERY_MS)
  // A session destroyed (sign-out, rotation) closes its open live streams on every process.
  const destroy = store.destroy.bind(store)
  store.destroy = (sid, done) =>
    destroy(sid, (err?: unknown) => {
      if (err) return done?.(err)
      options.pool
        .query('SELECT pg_notify($1, $2)', [SESSIONS_ENDED_CHANNEL, `session:${sessionHash(sid)}`])
        .then(
          () => done?.(),
          () => done?.(),
        )
    })
  return [
    session({
      name: cookieName(options.production),
      secret: options.secret,
      store: options.wrapStore ? options.wrapStore(store) : store,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      proxy: undefined,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: options.production,
        path: '/',
        maxAge: idleMs,
      },
    }),
    async (req, res, next) => {
      const s = req.session
      const tenantId = res.locals.tenant?.id
      const foreign = s.tenantId !== undefined && s.tenantId !== tenantId
      const expired = s.createdAt !== undefined && options.clock.now().getTime() - s.createdAt > absoluteMs
      if (expired) {
        await new Promise<void>((resolve, reject) =>
          s.regenerate((err) => (err ? reject(err as Error) : resolve())),
        )
      } else if (foreign) {
        // A fresh anonymous session for this host; the other tenant's session is left alone.
        ;(req.sessionStore as unknown as { generate(r: typeof req): void }).generate(req)
        res.locals.foreignSession = true
      }
      next()
    },
    saveBeforeRedirect,
  ]
}

/**
 * With a rolling cookie, express-session touches the store on every request an unchanged
 * session makes: a write per page view. Here a process touches a session at most once per
 * `everyMs`, and the store keeps every session `everyMs` past the cookie's expiry, so a
 * skipped touch never ends a session before the idle time its user was promised. (Several
 * processes each touch at most that often.) Times are the store's own: real time.
 */
function limitTouches(store: session.Store, idleMs: number, everyMs: number): void {
  const touched = new Map<string, number>()
  /** The session as stored, but kept `everyMs` past its cookie (the store reads `cookie.expires`). */
  const keptLonger = (sess: session.SessionData, now: number) => {
    const cookie = sess.cookie as session.Cookie & { toJSON?: () => unknown }
    const stored = cookie.toJSON ? cookie.toJSON() : cookie
    return {
      ...sess,
      cookie: { expires: new Date(now + idleMs + everyMs), toJSON: () => stored },
    } as unknown as session.SessionData
  }
  const remember = (sid: string, now: number) => {
    touched.set(sid, now)
    // Forget the old entries now and then, so the map holds only recently active sessions.
    if (touched.size > 10_000) for (const [id, at] of touched) if (now - at >= everyMs) touched.delete(id)
  }
  const touch = store.touch!.bind(store)
  store.touch = (sid, sess, done) => {
    const now = Date.now()
    const last = touched.get(sid)
    if (last !== undefined && now - last < everyMs) return done?.()
    remember(sid, now)
    touch(sid, keptLonger(sess, now), done)
  }
  const set = store.set.bind(store)
  store.set = (sid, sess, done) => {
    const now = Date.now()
    remember(sid, now)
    set(sid, keptLonger(sess, now), done)
  }
}

/**
 * express-session writes a changed session while the response is already on its way:
 * the status and Location reach the browser first, and a browser that follows the
 * redirect at once can read the old session (a change of password signing the user out,
 * a sign-in step bouncing back). So every redirect waits for a changed session to be
 * stored; handlers only call `res.redirect`.
 */
const saveBeforeRedirect: RequestHandler = (req, res, next) => {
  const idAtStart = req.sessionID
  const atStart = JSON.stringify(req.session)
  const redirect = res.redirect.bind(res) as (status: number, url: string) => void
  res.redirect = (...args: [number, string] | [string]) => {
    const [status, url] = args.length === 2 ? args : [302, args[0]]
    const s = req.session as session.Session | undefined
    if (!s || (req.sessionID === idAtStart && JSON.stringify(s) === atStart)) return redirect(status, url)
    s.save((err) => (err ? next(err) : redirect(status, url)))
  }
  next()
}

/** express-session's callback methods (regenerate, save, destroy) as a promise. */
export function sessionCall(fn: (cb: (err: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) =>
    fn((err) => (err ? reject(err instanceof Error ? err : new Error('session store failed')) : resolve())),
  )
}

/**
 * A brand-new session id for a change of privilege (sign-in, second factor): the old
 * session is destroyed, so a fixated or stolen pre-login cookie is worth nothing.
 */
export async function freshSession(
  req: Express.Request & { session: session.Session & Partial<session.SessionData> },
  tenantId: string,
  now: Date,
): Promise<void> {
  await sessionCall((cb) => req.session.regenerate(cb))
  req.session.tenantId = tenantId
  req.session.createdAt = now.getTime()
}

/** Marks a session as belonging to the current tenant; called whenever we store anything in it. */
export function bindSession(
  req: Express.Request & { session: session.Session & Partial<session.SessionData> },
  tenantId: string,
  now: Date,
): void {
  req.session.tenantId ??= tenantId
  req.session.createdAt ??= now.getTime()
}
