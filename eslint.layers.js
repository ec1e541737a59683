/**
 * The import rules of ARCHITECTURE.md, enforced: layers point one way
 * (modules → http → platform → db → config; app, server and cli on top), and a module
 * uses another only through that module's index.ts.
 */
/** @param {string} layers a regex alternation such as 'http|modules' @param {string} why */
const upward = (layers, why) => ({
  regex: `^(\\.\\./)+(${layers})/`,
  message: `${why} (layers point one way: modules → http → platform → db → config).`,
})

export const layerRules = [
  {
    files: ['src/config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\./(db|platform|http|modules)/', message: 'config imports nothing of ours.' },
          ],
        },
      ],
    },
  },
  {
    // The dependency builder serves every module; the list of modules is the entry points' business.
    files: ['src/deps.ts', 'src/module.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\./(modules/|registry\\.ts$|app\\.ts$|server\\.ts$)',
              message:
                'deps.ts and module.ts serve every module: they may not import modules, the registry or the app.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [upward('platform|http|modules', 'db/ may not import platform, http or modules')] },
      ],
    },
  },
  {
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [upward('http|modules', 'platform/ may not import http or modules')] },
      ],
    },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [upward('modules', 'http/ may not import modules; a module registers what it needs')] },
      ],
    },
  },
  {
    files: ['src/modules/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./[a-z-]+/(?!index\\.ts$)',
              message: "Use the other module's index.ts (its public surface), never its files.",
            },
            {
              regex: '^(\\.\\./)+(registry|app|server)\\.ts$',
              message:
                'The registry lists the modules; a module importing it (or the app) would import itself.',
            },
          ],
        },
      ],
    },
  },
]
