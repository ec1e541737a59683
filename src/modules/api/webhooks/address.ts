import { lookup } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'

/**
 * Where a webhook may be sent (issue 22 item 8): a customer's URL must not become a way
 * into the operator's own network. Only public addresses are reached — checked on the
 * address the connection is actually made to, so a name that resolves elsewhere later
 * (DNS rebinding) gains nothing.
 */
const PRIVATE = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6')

/** Whether an IP address is one anybody on the internet could reach (IPv4-mapped IPv6 judged as IPv4). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (mapped) return isPublicAddress(mapped)
  const family = isIP(address)
  if (!family) return false
  return !PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export class PrivateAddressError extends Error {
  readonly address: string
  constructor(address: string) {
    super('refused to connect to a private address')
    this.address = address
  }
}

/** A `lookup` for http(s).request that refuses a name resolving to any non-public address. */
export const publicLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0)
    const list = addresses as unknown as { address: string; family: number }[]
    const refused = list.find((a) => !isPublicAddress(a.address))
    if (refused || !list.length) return callback(new PrivateAddressError(refused?.address ?? ''), '', 0)
    if ((options as { all?: boolean }).all) return (callback as (e: null, a: typeof list) => void)(null, list)
    callback(null, list[0]!.address, list[0]!.family)
  })
}

/**
 * Why an endpoint's URL is refused, or undefined: https only (http too where private
 * addresses are allowed, in development), no credentials, no fragment, and no literal
 * address that is not public.
 */
export function urlProblem(value: string, allowPrivate: boolean): 'url' | 'https' | 'private' | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'url'
  }
  if (value.length > 2000 || url.username || url.password || url.hash) return 'url'
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'https'
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (
    !allowPrivate &&
    (isIP(host) ? !isPublicAddress(host) : host === 'localhost' || host.endsWith('.localhost'))
  )
    return 'private'
  return undefined
}
