import { describe, expect, it } from 'vitest'
import { createReferenceCache } from '../../src/platform/tenancy/reference-cache.ts'

describe('reference cache parts and freshness', () => {
  const counting = () => {
    let loads = 0
    return {
      load:
        <T>(value: T) =>
        () => {
          loads += 1
          return Promise.resolve(value)
        },
      get loads() {
        return loads
      },
    }
  }

  it('keeps one value per part, and forgets every part of a table with the table', async () => {
    const cache = createReferenceCache()
    const c = counting()
    await cache.get('t1', 'representation', c.load('a'), { part: 'p1:x' })
    await cache.get('t1', 'representation', c.load('b'), { part: 'p2:x' })
    await cache.get('t2', 'representation', c.load('c'), { part: 'p1:x' })
    expect(await cache.get('t1', 'representation', c.load('stale'), { part: 'p1:x' })).toBe('a')
    expect(c.loads).toBe(3)
    cache.changed('representation:t1')
    expect(await cache.get('t1', 'representation', c.load('a2'), { part: 'p1:x' })).toBe('a2')
    expect(await cache.get('t1', 'representation', c.load('b2'), { part: 'p2:x' })).toBe('b2')
    // Another tenant's parts, and a table whose name merely starts alike, are kept.
    expect(await cache.get('t2', 'representation', c.load('c2'), { part: 'p1:x' })).toBe('c')
    await cache.get('t1', 'representation_x', c.load('d'))
    cache.changed('representation:t1')
    expect(await cache.get('t1', 'representation_x', c.load('d2'))).toBe('d')
  })

  it('loads again a value that no longer holds, and never keeps one it refuses', async () => {
    const cache = createReferenceCache()
    let now = 0
    const fresh = (v: { until: number } | undefined) => v !== undefined && now < v.until
    const c = counting()
    await cache.get('t1', 'standing', c.load({ until: 10 }), { part: 'p', fresh })
    expect(await cache.get('t1', 'standing', c.load({ until: 99 }), { part: 'p', fresh })).toEqual({
      until: 10,
    })
    now = 10
    expect(await cache.get('t1', 'standing', c.load({ until: 20 }), { part: 'p', fresh })).toEqual({
      until: 20,
    })
    await cache.get('t1', 'standing', c.load(undefined), { part: 'q', fresh })
    await cache.get('t1', 'standing', c.load(undefined), { part: 'q', fresh })
    expect(c.loads).toBe(4)
  })

  it('forgets a writer’s own change when its transaction commits, not before, and never on a rollback', async () => {
    const cache = createReferenceCache()
    const c = counting()
    const transaction = () => {
      let settle = { commit: () => {}, rollback: () => {} }
      const executionPromise = new Promise<void>((resolve, reject) => {
        settle = { commit: resolve, rollback: () => reject(new Error('rolled back')) }
      })
      return { executionPromise, ...settle }
    }
    await cache.get('t1', 'services', c.load('old'))
    const rolledBack = transaction()
    cache.changedOnCommit(rolledBack, 'services:t1')
    rolledBack.rollback()
    await rolledBack.executionPromise.catch(() => {})
    expect(await cache.get('t1', 'services', c.load('unseen'))).toBe('old')
    const committed = transaction()
    cache.changedOnCommit(committed, 'services:t1')
    expect(await cache.get('t1', 'services', c.load('unseen'))).toBe('old')
    committed.commit()
    await committed.executionPromise
    expect(await cache.get('t1', 'services', c.load('new'))).toBe('new')
    expect(c.loads).toBe(2)
  })
})
