import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Malformed80020Error } from '../../src/modules/readings/amr/format80020.ts'
import {
  AmrLoginError,
  AmrUnavailableError,
  httpAmrSource,
  type AmrCredentials,
} from '../../src/modules/readings/amr/source.ts'
import { DEMO_AMR_ACCOUNTS } from '../../src/simulator/amr.ts'
import { startSimulator } from '../../src/simulator/server.ts'

const [cp1251User, utf8User] = DEMO_AMR_ACCOUNTS as [
  (typeof DEMO_AMR_ACCOUNTS)[0],
  (typeof DEMO_AMR_ACCOUNTS)[0],
]
const login = (a: { login: string; password: string }): AmrCredentials => ({
  login: a.login,
  password: a.password,
})

/** A server on 127.0.0.1 answering every request with `handler`; its base URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/**
 * Issue 19 items 9 and 10: the AMR adapter asks the back-office simulator over real HTTP,
 * and each way it can go wrong is its own error.
 */
describe('the AMR adapter against the back-office simulator', () => {
  let simulator: Awaited<ReturnType<typeof startSimulator>>
  const others: Server[] = []
  beforeAll(async () => {
    simulator = await startSimulator(0, { now: () => new Date('2026-11-21T09:00:00Z') })
  })
  afterAll(async () => {
    for (const s of [simulator.server, ...others]) {
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    }
  })

  it.each([
    ['a windows-1251 document without a declaration, decimal commas', cp1251User, 2, [48, 24]],
    ['a UTF-8 document', utf8User, 1, [48]],
  ])('reads %s: every meter, channels 01–04, a day of periods', async (_, user, meters, periods) => {
    const { header, intervals } = await httpAmrSource(simulator.url).day(login(user), '2026-11-20')
    expect(header).toMatchObject({ day: '2026-11-20', sender: { name: 'АСКУЭ (симулятор)' } })
    const codes = [...new Set(intervals.map((i) => i.point.code))]
    expect(codes).toEqual(user.meters.map((m) => m.code))
    expect(codes).toHaveLength(meters)
    for (const [m, code] of codes.entries()) {
      const mine = intervals.filter((i) => i.point.code === code)
      expect([...new Set(mine.map((i) => i.channel))]).toEqual(['01', '02', '03', '04'])
      expect(mine.filter((i) => i.channel === '01')).toHaveLength(periods[m]!)
      expect(mine[0]!.point.name).toBe(user.meters[m]!.name)
    }
    expect(intervals[0]!.area.name).toBe(user.object)
    expect(intervals.every((i) => i.value === null || /^\d+\.\d{3}$/.test(i.value))).toBe(true)
  })

  it('keeps the periods the head-end has no value for as missing, never as zero', async () => {
    const { intervals } = await httpAmrSource(simulator.url).day(login(cp1251User), '2026-11-20')
    const second = intervals.filter((i) => i.point.code === cp1251User.meters[1]!.code && i.channel === '01')
    expect(second.filter((i) => i.value === null).map((i) => [i.start, i.end])).toEqual([
      ['10:00', '11:00'],
      ['11:00', '12:00'],
    ])
  })

  it('tells a refused login from everything else, and says nothing of the password', async () => {
    const error = await httpAmrSource(simulator.url)
      .day({ login: cp1251User.login, password: 'wrong-password-123' }, '2026-11-20')
      .catch((err: unknown) => err)
    expect(error).toBeInstanceOf(AmrLoginError)
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('wrong-password-123')
  })

  it('answers a head-end that is down, or too slow, as unavailable', async () => {
    const down = await serve(() => {})
    down.server.closeAllConnections()
    await new Promise((r) => down.server.close(r))
    await expect(httpAmrSource(down.url).day(login(utf8User), '2026-11-20')).rejects.toBeInstanceOf(
      AmrUnavailableError,
    )
    const silent = await serve(() => {})
    others.push(silent.server)
    const started = Date.now()
    const slow = await httpAmrSource(silent.url, { timeoutMs: 300 })
      .day(login(utf8User), '2026-11-20')
      .catch((err: unknown) => err)
    expect(slow).toBeInstanceOf(AmrUnavailableError)
    expect((slow as Error).message).toMatch(/300 ms/)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('refuses a document that is not 80020, with its line', async () => {
    const broken = await serve((_req, res) =>
      res.end('<?xml version="1.0"?>\n<message class="80020">\n<area>'),
    )
    others.push(broken.server)
    const error = await httpAmrSource(broken.url)
      .day(login(utf8User), '2026-11-20')
      .catch((err: unknown) => err)
    expect(error).toBeInstanceOf(Malformed80020Error)
    expect((error as Malformed80020Error).line).toBe(3)
  })
})
