/**
 * Why an import refused a file, in words every language has: a key under
 * `readings.imports.reasons`, its values, and — where a library said more (an XML parser,
 * a ZIP reader) — that detail in its own English, shown marked as English.
 */
export interface Refusal {
  key: string
  params?: Record<string, string | number>
  detail?: string
}
