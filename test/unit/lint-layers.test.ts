import path from 'node:path'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'
import { layerRules } from '../../eslint.layers.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** Lints one import line as if it were in `file`, with exactly the layer rules of eslint.config.js. */
async function problems(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerRules],
  })
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) })
  return result!.messages.map((m) => m.ruleId ?? m.message)
}

describe('the layer rules of the lint config', () => {
  it.each([
    ['src/platform/mail/x.ts', "import { a } from '../../modules/accounts/repo.ts'"],
    ['src/platform/x.ts', "import { a } from '../http/forms.ts'"],
    ['src/db/x.ts', "import { a } from '../platform/jobs.ts'"],
    ['src/http/x.ts', "import type { A } from '../modules/accounts/repo.ts'"],
    ['src/modules/services/x.ts', "import { a } from '../accounts/repo.ts'"],
    ['src/config.ts', "import { a } from './db/knex.ts'"],
    ['src/modules/services/x.ts', "import { MODULES } from '../../registry.ts'"],
    ['src/deps.ts', "import { moduleNamespaces } from './registry.ts'"],
    ['src/deps.ts', "import { a } from './modules/accounts/index.ts'"],
  ])('refuse a wrong import in %s', async (file, source) => {
    expect(await problems(file, source)).toEqual(['no-restricted-imports'])
  })

  it.each([
    ['src/modules/services/x.ts', "import { a } from '../accounts/index.ts'"],
    ['src/modules/services/x.ts', "import { a } from '../../platform/errors.ts'"],
    ['src/modules/services/x.ts', "import { a } from './repo.ts'"],
    ['src/http/x.ts', "import { a } from '../platform/errors.ts'"],
    ['src/platform/mail/x.ts', "import { a } from '../tenancy/settings.ts'"],
    ['src/db/x.ts', "import { a } from './knex.ts'"],
    ['src/modules/services/x.ts', "import type { KabinetModule } from '../../module.ts'"],
    ['src/deps.ts', "import { a } from './platform/jobs.ts'"],
  ])('allow a right import in %s', async (file, source) => {
    expect(await problems(file, source)).toEqual([])
  })
})
