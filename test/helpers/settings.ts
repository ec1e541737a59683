/**
 * The settings page's module sections as an administrator sends them back unchanged
 * (each module part's defaults): spread into a test's settings form, then override.
 */
export const MODULE_SETTINGS_FORM: Record<string, string> = {
  applications_maxFileMb: '10',
  applications_maxFiles: '5',
  generation_resolution: '15',
  generation_unit: 'kW',
  generation_precision: '3',
  generation_gateDays: '1',
  generation_gateTime: '14:00',
  generation_reminderHours: '3',
  readings_amrHeadEnd: '',
  readings_tariffs: 'T1: total\nT2: day, night\nT3: peak, semipeak, night',
  readings_windowFrom: '1',
  readings_windowTo: '31',
  readings_jumpFactor: '3',
}
