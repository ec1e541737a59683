import { z } from 'zod'
import { wholeNumber } from '../../http/forms.ts'
import { isBackOfficeUrl } from '../../platform/backoffice.ts'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

export const MEMBER_TYPES = ['power_user', 'generator', 'supplier'] as const
export type MemberType = (typeof MEMBER_TYPES)[number]

/**
 * The documents a trading centre may ask for (seed 003), each with a name in every
 * language. The three older certificates may be stood for by the unified social credit
 * code certificate; a stamped explanation stands for any missing certificate; "other" and
 * the explanation are never required.
 */
export const ATTACHMENT_KINDS = [
  'uscc_certificate',
  'business_licence',
  'organisation_code',
  'tax_registration',
  'legal_representative_id',
  'power_licence',
  'exemption_proof',
  'explanation',
  'other',
] as const
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number]

const KindList = z
  .array(z.enum(ATTACHMENT_KINDS))
  .min(1)
  .max(ATTACHMENT_KINDS.length)
  .refine((kinds) => new Set(kinds).size === kinds.length)

const COMMON: AttachmentKind[] = [
  'uscc_certificate',
  'business_licence',
  'organisation_code',
  'tax_registration',
  'legal_representative_id',
]

/** Seed 003's lists: licences (or the exemption's proof) only for those who trade power. */
const HUBEI_ATTACHMENTS: Record<MemberType, AttachmentKind[]> = {
  power_user: [...COMMON, 'explanation', 'other'],
  generator: [...COMMON, 'power_licence', 'exemption_proof', 'explanation', 'other'],
  supplier: [...COMMON, 'power_licence', 'exemption_proof', 'explanation', 'other'],
}

/**
 * What differs between trading centres: the documents asked of each member type, whether
 * they must be PDF, and how large one may be (generating units' approvals are PDF
 * whatever this says, seed 003); and the utility's customer system that answers a power
 * user's metering points (empty: units are added by hand only). Customers' query
 * passwords go there, so production refuses plain http but for localhost.
 */
export const marketSettings = defineModuleSettings({
  name: 'market',
  schema: z.object({
    // One message for the whole list: the form edits it as one text.
    attachments: z
      .unknown()
      .transform((value, ctx) => {
        const lists = z
          .object({ power_user: KindList, generator: KindList, supplier: KindList })
          .safeParse(value)
        if (lists.success) return lists.data
        ctx.addIssue({ code: 'custom', message: 'market.settings.errors.attachments' })
        return z.NEVER
      })
      .default(HUBEI_ATTACHMENTS),
    pdfOnly: z.boolean().default(false),
    /** How many days ahead a binding may be ended early (the notice either side gives). */
    bindingNoticeDays: z
      .number('market.settings.errors.bindingNoticeDays')
      .int('market.settings.errors.bindingNoticeDays')
      .min(0, 'market.settings.errors.bindingNoticeDays')
      .max(365, 'market.settings.errors.bindingNoticeDays')
      .default(30),
    customerSystem: z
      .string('market.settings.errors.customerSystem')
      .trim()
      .max(300, 'market.settings.errors.customerSystem')
      .refine((v) => v === '' || isBackOfficeUrl(v), 'market.settings.errors.customerSystem')
      .default(''),
    attachmentMaxMb: z
      .number('market.settings.errors.attachmentMaxMb')
      .int('market.settings.errors.attachmentMaxMb')
      .min(1, 'market.settings.errors.attachmentMaxMb')
      .max(20, 'market.settings.errors.attachmentMaxMb')
      .default(10),
  }),
  view: 'admin/market/settings.njk',
  fromForm: (body) => ({
    attachments: parseLists(body.market_attachments),
    pdfOnly: body.market_pdfOnly === 'yes',
    bindingNoticeDays: wholeNumber(body.market_bindingNoticeDays),
    customerSystem: body.market_customerSystem,
    attachmentMaxMb: wholeNumber(body.market_attachmentMaxMb),
  }),
})

export type MarketSettings = ReturnType<typeof marketSettings.of>

/** One member type per line, `type: kind, kind`; anything else fails the schema. */
function parseLists(text: unknown): unknown {
  if (typeof text !== 'string') return text
  const lists: Record<string, string[]> = {}
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (!line) continue
    const [type = '', kinds, ...rest] = line.split(':')
    // Kept as typed (and shown so again) when it is no `type: kinds` line; the schema refuses it.
    if (kinds === undefined || rest.length) {
      lists[line] = []
      continue
    }
    lists[type.trim()] = kinds
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
  }
  return lists
}
