import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { ServerResponse } from 'node:http'
import express, { type RequestHandler } from 'express'
import { PUBLIC_DIR } from '../platform/paths.ts'

const versions = new Map<string, { mtimeMs: number; version: string; checkedAt: number }>()

/** How long a file's version is trusted before its modification time is looked at again. */
const RECHECK_MS = 1_000

/**
 * The address of a file under /public with its content's hash, so a browser keeps it for
 * a year and asks again only when the file changes (a rebuilt stylesheet gets a new
 * address). Before, every page revalidated the stylesheet and script: two more round
 * trips before a page could render. A page asks for several files: the file system is
 * asked about each at most once a second, not on every page (a stat each was 2 % of a
 * list page's rendering), so a stylesheet rebuilt during development shows within a second.
 */
export function assetUrl(file: string): string {
  const full = path.join(PUBLIC_DIR, file)
  const now = performance.now()
  let known = versions.get(full)
  if (!known || now - known.checkedAt >= RECHECK_MS) {
    const { mtimeMs } = statSync(full)
    if (known?.mtimeMs === mtimeMs) known.checkedAt = now
    else {
      const version = createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 12)
      known = { mtimeMs, version, checkedAt: now }
      versions.set(full, known)
    }
  }
  return `/public/${file}?v=${known.version}`
}

/** /public: a versioned address is cached for a year; a bare one briefly (production) or not at all. */
export function publicFiles(isProduction: boolean): RequestHandler {
  return express.static(PUBLIC_DIR, {
    index: false,
    maxAge: isProduction ? '1h' : 0,
    setHeaders(res: ServerResponse & { req?: { query?: Record<string, unknown> } }) {
      if (typeof res.req?.query?.v === 'string')
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable')
    },
  })
}
