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
  return `${url.pathname}${url.search}${url.hash}`
}
