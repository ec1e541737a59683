import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { demoLogins } from '../../platform/demo.ts'
import { hashPassword } from '../../platform/passwords.ts'
import { createEnrolledCustomer, findCustomerByEmail } from '../accounts/index.ts'
import { DEMO_METERING_ACCOUNTS } from '../../simulator/customers.ts'
import { MEMBER_OWNER } from './registration.service.ts'
import { marketSettings } from './settings.ts'

/** The demo applicant whose registration waits for the centre (the demo customer walks the wizard). */
export const demoApplicantEmail = (slug: string) => `generator@${slug}.kabinet.test`

/**
 * Seed 003's trading centre (`cn`): a generation company's registration sent for review,
 * complete but for its documents' files (the demo has no PDFs to show), so an operator can
 * walk the review queue; the demo customer has none and registers in the wizard.
 */
export async function seedMarketDemo(owner: Knex, tenant: DemoTenantRef): Promise<string[]> {
  if (!(tenant.settings.enabledServices as readonly string[]).includes('market')) return []
  const login = demoLogins(tenant.slug)
  const email = demoApplicantEmail(tenant.slug)
  await withTenant(owner, tenant.id, async (trx) => {
    if (await findCustomerByEmail(trx, email)) return
    const now = new Date()
    const customer = await createEnrolledCustomer(trx, {
      tenant_id: tenant.id,
      email,
      password_hash: await hashPassword(login.customerPassword),
      organisation_name: '湖北汉江水电有限公司',
      phone: '+8613900139000',
      preferred_locale: tenant.settings.defaultLocale,
      consent_version: tenant.settings.consent.version,
      consent_ip: null,
      now,
    })
    const [member] = await trx('market_members')
      .insert({
        tenant_id: tenant.id,
        customer_id: customer.id,
        member_type: 'generator',
        status: 'submitted',
        saved_parts: ['basic', 'business', 'contacts', 'parameters'],
        company_name: '湖北汉江水电有限公司',
        dispatch_name: '汉江水电',
        legal_representative_id: '11010519491231002X',
        uscc: '91310115MA1K3BTP2B',
        licence_exempt: false,
        licence_state: 'held',
        licence_number: '1042314-00123',
        contact_name: '李工',
        contact_phone: '+8613900139000',
        contact_email: email,
        installed_capacity_mw: '240',
        submitted_at: now,
      })
      .returning<{ id: string }[]>('id')
    for (const [name, capacity, dispatch] of [
      ['1号机组', '120', '汉江1号'],
      ['2号机组', '120', '汉江2号'],
    ] as const)
      await trx('market_units').insert({
        tenant_id: tenant.id,
        member_id: member!.id,
        kind: 'generating',
        name,
        unit_type: 'hydro',
        capacity_mw: capacity,
        dispatch_name: dispatch,
        connected_on: '2012-09-28',
      })
    await trx('status_history').insert({
      tenant_id: tenant.id,
      workflow: 'market.member',
      subject_type: MEMBER_OWNER,
      subject_id: member!.id,
      from_status: 'draft',
      to_status: 'submitted',
      actor_type: 'customer',
      actor_id: customer.id,
    })
  })
  const lines = [`Market: ${email} / ${login.customerPassword} (a generation company awaiting review)`]
  const system = marketSettings.of(tenant).customerSystem
  if (system)
    lines.push(
      `Metering points (${system}): ${DEMO_METERING_ACCOUNTS.map((a) => `${a.account} / ${a.password}`).join(', ')}`,
    )
  return lines
}
