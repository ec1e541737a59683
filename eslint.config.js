import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { layerRules } from './eslint.layers.js'

export default tseslint.config(
  { ignores: ['node_modules', 'var', 'public/css', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'eslint.layers.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  ...layerRules,
  {
    // The browser's few lines of progressive enhancement: plain JS, no type information.
    files: ['public/js/**/*.js'],
    rules: tseslint.configs.disableTypeChecked.rules,
    languageOptions: {
      parserOptions: { project: false, projectService: false, program: null },
      globals: {
        document: 'readonly',
        window: 'readonly',
        EventSource: 'readonly',
        setTimeout: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
      },
    },
  },
  {
    files: ['test/**/*.ts'],
    // Tests read database rows and JSON bodies without declaring a type for each.
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
)
