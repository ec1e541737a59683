import path from 'node:path'

/** The Nunjucks templates: pages (http/views) and emails (platform/mail) render from here. */
export const VIEWS_DIR = path.resolve(import.meta.dirname, '../../views')

/** Static files served under /public (stylesheet, script, images). */
export const PUBLIC_DIR = path.resolve(import.meta.dirname, '../../public')
