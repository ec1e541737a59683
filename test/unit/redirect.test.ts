import { describe, expect, it } from 'vitest'
import { safeNextPath, selfPath } from '../../src/http/redirect.ts'

describe('safeNextPath', () => {
  it.each(['/cabinet', '/applications?page=2', '/a/b#section'])('keeps a same-origin path: %s', (next) => {
    expect(safeNextPath(next)).toBe(next)
  })

  it.each([
    '//evil.com',
    '/\\evil.com',
    '/\tevil.com',
    '/\t/evil.com',
    '/\n/evil.com',
    'https://evil.com',
    'evil.com',
    'javascript:alert(1)',
    ' /cabinet',
    '',
    undefined,
    ['/a'],
  ])('refuses %o', (next) => {
    expect(safeNextPath(next, '/home')).toBe('/home')
  })
})

describe('paths that only become another host after normalisation', () => {
  it.each(['/..//evil.com', '/./..//evil.com/x', '/a/../..//evil.com', '/%2e%2e//evil.com'])(
    'refuses %s',
    (next) => {
      expect(safeNextPath(next, '/home')).toBe('/home')
    },
  )

  it.each([
    ['//evil.com/x', '/'],
    ['/\\evil.com', '/'],
    ['/..//evil.com', '/'],
    ['/cabinet', '/cabinet'],
    ['/account/profile', '/account/profile'],
  ])('selfPath(%s) is %s', (path, expected) => {
    expect(selfPath(path)).toBe(expected)
  })
})
