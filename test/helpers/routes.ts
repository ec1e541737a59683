import type { Express } from 'express'

export interface AppRoute {
  method: string
  path: string
  /** Takes a multipart form with files (its handlers include acceptUploads'). */
  multipart: boolean
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: { handle: { name: string } }[] }
  handle: { stack?: Layer[] }
}

/**
 * Every route the app answers, read from the app itself, so a test built on this list
 * covers a new route without being told. Our routers are mounted without a prefix.
 */
export function listRoutes(app: Express): AppRoute[] {
  const out = new Map<string, AppRoute>()
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]
        const multipart = layer.route.stack.some((s) => s.handle.name === 'multipartUpload')
        for (const path of paths)
          for (const method of Object.keys(layer.route.methods)) {
            const m = method.toUpperCase()
            out.set(`${m} ${path}`, { method: m, path, multipart })
          }
      } else if (layer.handle.stack) walk(layer.handle.stack)
    }
  }
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack)
  return [...out.values()]
}
