/**
 * A `next=` target we are willing to redirect to: a path on this origin. Anything that
 * a browser could read as another host (`//evil`, `/\evil`, tabs and newlines that
 * browsers strip) is refused and the fallback used.
 */
export function safeNextPath(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2000) return fallback
  // eslint-disable-next-line no-control-regex
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\s\u0000-\u001f\u007f]/.test(next))
    return fallback
  const base = 'http://kabinet.invalid'
  let url: URL
  try {
    url = new URL(next, base)
  } catch {
    return fallback
  }
  if (url.origin !== base) return fallback
  const path = `${url.pathname}${url.search}${url.hash}`
  // Normalising can make a host out of a path (`/..//evil.com` → `//evil.com`): check again.
  return isLocalPath(path) ? path : fallback
}

/** A path that a browser reads as this origin's: one leading slash, no backslash after it. */
function isLocalPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\')
}

/**
 * The request's own path for links back to it (the language switcher), made safe: a
 * crafted 404 path such as `//evil.com/x` or `/\evil.com` becomes `/`.
 */
export function selfPath(path: string): string {
  return safeNextPath(path.replaceAll('\\', '/'), '/')
}
