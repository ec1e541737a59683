import type { Request, RequestHandler } from 'express'

/** A message for the next page: an i18n key, its parameters, and perhaps a secret to show once. */
export interface FlashMessage {
  key: string
  params?: Record<string, string>
  /** Shown once (an issued token for the operator to read out); never put into a URL. */
  secret?: string
}

declare module 'express-session' {
  interface SessionData {
    flash: FlashMessage[]
  }
}

/**
 * Says what happened on the page after a redirect: kept in the session (so nothing
 * travels in the URL, logs or browser history), rendered once by the layout.
 */
export function flash(req: Request, message: FlashMessage): void {
  ;(req.session.flash ??= []).push(message)
}

/** The next page that is shown takes the messages out of the session. */
export const takeFlash: RequestHandler = (req, res, next) => {
  const messages = req.session?.flash
  if (messages && (req.method === 'GET' || req.method === 'HEAD')) {
    res.locals.flash = messages
    delete req.session.flash
  }
  next()
}
