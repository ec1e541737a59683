import type { Clock } from '../../src/platform/clock.ts'

export interface TestClock extends Clock {
  set(date: Date | string): void
  advance(ms: number): void
}

/** A clock the test moves by hand, for expiry and timeouts without waiting. */
export function testClock(start: Date | string = '2026-11-21T09:00:00Z'): TestClock {
  let now = new Date(start).getTime()
  return {
    now: () => new Date(now),
    set: (date) => {
      now = new Date(date).getTime()
    },
    advance: (ms) => {
      now += ms
    },
  }
}
