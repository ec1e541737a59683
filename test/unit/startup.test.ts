import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { StartupError, startupFailure, untraversableAncestor } from '../../src/db/embedded.ts'

describe('start-up failures', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kabinet-reach-'))
  afterAll(() => {
    chmodSync(root, 0o755)
    rmSync(root, { recursive: true, force: true })
  })

  it('names the directory other users cannot enter on the way to the data', () => {
    const closed = path.join(root, 'closed')
    const data = path.join(closed, 'project', 'var', 'postgres')
    mkdirSync(data, { recursive: true })
    chmodSync(root, 0o755)
    chmodSync(closed, 0o700)
    expect(untraversableAncestor(data)).toBe(closed)
    chmodSync(closed, 0o755)
    expect(untraversableAncestor(data)).toBeUndefined()
  })

  it.each([undefined, null, '', new Error(''), { code: 'EACCES' }])('says something useful for %o', (err) => {
    const line = startupFailure(err)
    expect(line).toMatch(/^Kabinet could not start: \S/)
    expect(line).not.toContain('undefined')
    expect(line).not.toContain('\n')
  })

  it('passes an actionable message through as it is', () => {
    expect(startupFailure(new StartupError('do this'))).toBe('Kabinet could not start: do this')
  })
})
