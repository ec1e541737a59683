import type { AttachmentKind, MarketSettings, MemberType } from './settings.ts'

/** The parts of a registration, in the order the applicant walks them (seed 003). */
export const PARTS = ['basic', 'business', 'contacts', 'parameters', 'attachments', 'units'] as const
export type Part = (typeof PARTS)[number]

/** A supplier has no units of its own; everyone else adds theirs in the last part. */
export const partsOf = (type: MemberType): Part[] =>
  type === 'supplier' ? PARTS.filter((p) => p !== 'units') : [...PARTS]

/** Only those who trade power hold (or are exempt from) a power business licence. */
export const asksLicence = (type: MemberType): boolean => type !== 'power_user'

/** A generating unit's approvals: both required, PDF only (seed 003). */
export const UNIT_DOCUMENTS = ['construction_approval', 'price_approval'] as const
export type UnitDocument = (typeof UNIT_DOCUMENTS)[number]

const OLDER_CERTIFICATES: AttachmentKind[] = ['business_licence', 'organisation_code', 'tax_registration']
const CERTIFICATES: AttachmentKind[] = ['uscc_certificate', ...OLDER_CERTIFICATES, 'power_licence']
const NEVER_REQUIRED: AttachmentKind[] = ['explanation', 'other']

/** What the completeness check needs of a registration. */
export interface MemberFacts {
  member_type: MemberType
  saved_parts: readonly string[]
  licence_exempt: boolean | null
  licence_state: string | null
}

/**
 * Whether a document is asked of this member at all: the exemption's proof only of the
 * exempt, the licence only of those who hold one (in progress: not yet).
 */
export function isAsked(kind: AttachmentKind, member: MemberFacts): boolean {
  if (kind === 'exemption_proof') return asksLicence(member.member_type) && member.licence_exempt === true
  if (kind === 'power_licence')
    return (
      asksLicence(member.member_type) && member.licence_exempt === false && member.licence_state === 'held'
    )
  return true
}

/**
 * The required documents still missing: every listed one but "other" and the
 * explanation; the USCC certificate stands for the three older certificates (and they
 * for it), and a stamped explanation stands for any missing certificate.
 */
export function missingAttachments(
  member: MemberFacts,
  present: ReadonlySet<string>,
  settings: MarketSettings,
): AttachmentKind[] {
  const listed = settings.attachments[member.member_type]
  const explained = present.has('explanation')
  const olderAll = OLDER_CERTIFICATES.filter((k) => listed.includes(k)).every((k) => present.has(k))
  return listed.filter((kind) => {
    if (NEVER_REQUIRED.includes(kind) || !isAsked(kind, member) || present.has(kind)) return false
    if (explained && CERTIFICATES.includes(kind)) return false
    if (OLDER_CERTIFICATES.includes(kind) && present.has('uscc_certificate')) return false
    if (kind === 'uscc_certificate' && olderAll && OLDER_CERTIFICATES.some((k) => listed.includes(k)))
      return false
    return true
  })
}

export interface UnitFacts {
  id: string
  kind: string
  name: string
  documents: ReadonlySet<string>
}

/** One thing that keeps a registration from review, said on the summary and linked to its part. */
export interface Missing {
  part: Part
  key: string
  vars?: Record<string, unknown>
}

/** Everything still missing before the registration may go to review (item 6). */
export function missingItems(
  member: MemberFacts,
  attachments: ReadonlySet<string>,
  units: readonly UnitFacts[],
  settings: MarketSettings,
): Missing[] {
  const out: Missing[] = []
  for (const part of partsOf(member.member_type)) {
    if (part === 'attachments') {
      for (const kind of missingAttachments(member, attachments, settings))
        out.push({ part, key: 'market.missing.attachment', vars: { kind } })
    } else if (part === 'units') {
      const kind = member.member_type === 'generator' ? 'generating' : 'consumption'
      const own = units.filter((u) => u.kind === kind)
      if (own.length === 0) out.push({ part, key: `market.missing.${kind}Units` })
      if (kind === 'generating')
        for (const unit of own)
          for (const doc of UNIT_DOCUMENTS)
            if (!unit.documents.has(doc))
              out.push({ part, key: 'market.missing.unitDocument', vars: { unit: unit.name, doc } })
    } else if (!member.saved_parts.includes(part)) {
      out.push({ part, key: 'market.missing.part' })
    }
  }
  return out
}
