/**
 * Proves that the README's test command tells the truth: in a temporary copy of the
 * checkout, `npm test` on one deliberately failing test of each project whose global setup
 * starts PostgreSQL (integration, browser journeys) must exit non-zero, and on one passing
 * test zero.
 * Run by .ci/run; `node test/self-check/exit-codes.ts` by hand.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')
const SKIP = new Set(['node_modules', 'var', '.git'])

const cases = [
  { name: 'a failing integration test', dir: 'integration', body: 'expect(1).toBe(2)', exitsZero: false },
  { name: 'a failing browser-journey test', dir: 'e2e', body: 'expect(1).toBe(2)', exitsZero: false },
  { name: 'a passing integration test', dir: 'integration', body: 'expect(1).toBe(1)', exitsZero: true },
]

const copy = mkdtempSync(path.join(tmpdir(), 'kabinet-exit-codes-'))
let wrong = 0
try {
  cpSync(root, copy, {
    recursive: true,
    filter: (src) => !SKIP.has(path.relative(root, src).split(path.sep)[0] ?? ''),
  })
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir')
  for (const c of cases) {
    const file = `test/${c.dir}/exit-code-probe.test.ts`
    writeFileSync(
      path.join(copy, file),
      `import { expect, it } from 'vitest'\nit('probe', () => {\n  ${c.body}\n})\n`,
    )
    const run = spawnSync('npm', ['test', '--', file], { cwd: copy, encoding: 'utf8', env: process.env })
    rmSync(path.join(copy, file))
    const ok = (run.status === 0) === c.exitsZero
    if (!ok) wrong++
    process.stdout.write(
      `${ok ? 'ok' : 'WRONG'}: npm test with ${c.name} exited ${run.status ?? run.signal}\n`,
    )
    if (!ok) process.stdout.write(`${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}\n`)
  }
} finally {
  rmSync(copy, { recursive: true, force: true })
}
process.exitCode = wrong ? 1 : 0
