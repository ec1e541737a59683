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
  market_attachments: [
    'power_user: uscc_certificate, business_licence, organisation_code, tax_registration, legal_representative_id, explanation, other',
    'generator: uscc_certificate, business_licence, organisation_code, tax_registration, legal_representative_id, power_licence, exemption_proof, explanation, other',
    'supplier: uscc_certificate, business_licence, organisation_code, tax_registration, legal_representative_id, power_licence, exemption_proof, explanation, other',
  ].join('\n'),
  market_attachmentMaxMb: '10',
  market_customerSystem: '',
  market_bindingNoticeDays: '30',
}
