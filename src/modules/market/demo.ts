import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { demoLogins } from '../../platform/demo.ts'
import { hashPassword } from '../../platform/passwords.ts'
import { systemContext } from '../../platform/context.ts'
import { createEnrolledCustomer, findCustomerByEmail } from '../accounts/index.ts'
import { grantService } from '../services/index.ts'
import { DEMO_METERING_ACCOUNTS } from '../../simulator/customers.ts'
import { MEMBER_OWNER } from './registration.service.ts'
import { marketSettings } from './settings.ts'

/** The demo applicant whose registration waits for the centre (the demo customer walks the wizard). */
export const demoApplicantEmail = (slug: string) => `generator@${slug}.kabinet.test`
/** Approved demo members for retail binding: a supplier and a power user it can bind. */
export const demoSupplierEmail = (slug: string) => `supplier@${slug}.kabinet.test`
export const demoPowerUserEmail = (slug: string) => `poweruser@${slug}.kabinet.test`

interface DemoMember {
  email: string
  company: string
  type: 'supplier' | 'power_user'
  dispatch: string
  uscc: string
}

/**
 * Seed 003's trading centre (`cn`): a generation company's registration sent for review,
 * complete but for its documents' files (the demo has no PDFs to show), so an operator can
 * walk the review queue; the demo customer has none and registers in the wizard.
 */
/** The seed runs in no process that keeps customers' services; the trigger tells those that do. */
const SEEDING = { reference: { changedOnCommit: () => {} } }

export async function seedMarketDemo(owner: Knex, tenant: DemoTenantRef): Promise<string[]> {
  if (!(tenant.settings.enabledServices as readonly string[]).includes('market')) return []
  const login = demoLogins(tenant.slug)
  const email = demoApplicantEmail(tenant.slug)
  await withTenant(owner, tenant.id, async (trx) => {
    if (await findCustomerByEmail(trx, email)) return
    const now = new Date()
    const customer = await demoAccount(
      trx,
      tenant,
      email,
      '湖北汉江水电有限公司',
      login.customerPassword,
      now,
    )
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
  const approved: DemoMember[] = [
    {
      email: demoSupplierEmail(tenant.slug),
      company: '湖北楚天售电有限公司',
      type: 'supplier',
      dispatch: '楚天售电',
      uscc: '91110000600037341L',
    },
    {
      email: demoPowerUserEmail(tenant.slug),
      company: '湖北示范钢铁有限公司',
      type: 'power_user',
      dispatch: '示范钢铁',
      uscc: '91310115MA1K3BTP2B',
    },
  ]
  for (const m of approved) await approvedMember(owner, tenant, m, login.customerPassword)
  const lines = [
    `Market: ${email} / ${login.customerPassword} (a generation company awaiting review)`,
    `Market: ${approved.map((m) => m.email).join(', ')} / ${login.customerPassword} (an approved retail supplier and power user)`,
  ]
  const system = marketSettings.of(tenant).customerSystem
  if (system)
    lines.push(
      `Metering points (${system}): ${DEMO_METERING_ACCOUNTS.map((a) => `${a.account} / ${a.password}`).join(', ')}`,
    )
  return lines
}

/** An approved member with the market service, as the centre's approval leaves one (added once). */
async function approvedMember(
  owner: Knex,
  tenant: DemoTenantRef,
  m: DemoMember,
  password: string,
): Promise<void> {
  await withTenant(owner, tenant.id, async (trx) => {
    if (await findCustomerByEmail(trx, m.email)) return
    const now = new Date()
    const customer = await demoAccount(trx, tenant, m.email, m.company, password, now)
    const [member] = await trx('market_members')
      .insert({
        tenant_id: tenant.id,
        customer_id: customer.id,
        member_type: m.type,
        status: 'approved',
        saved_parts: ['basic', 'business', 'contacts', 'parameters'],
        company_name: m.company,
        dispatch_name: m.dispatch,
        uscc: m.uscc,
        submitted_at: now,
        decided_at: now,
      })
      .returning<{ id: string }[]>('id')
    await grantService(SEEDING, trx, systemContext(tenant, 'demo'), customer.id, 'market', now)
    if (m.type === 'power_user')
      await trx('market_units').insert({
        tenant_id: tenant.id,
        member_id: member!.id,
        kind: 'consumption',
        name: '炼钢车间',
        metering_point: '4201000999001',
        address: '武汉市青山区工人村路1号',
        voltage_level: '110kV',
      })
  })
}

/** A demo company's account, active, with the demo customers' password. */
async function demoAccount(
  trx: Knex.Transaction,
  tenant: DemoTenantRef,
  email: string,
  company: string,
  password: string,
  now: Date,
) {
  return createEnrolledCustomer(trx, {
    tenant_id: tenant.id,
    email,
    password_hash: await hashPassword(password),
    organisation_name: company,
    phone: null,
    preferred_locale: tenant.settings.defaultLocale,
    consent_version: tenant.settings.consent.version,
    consent_ip: null,
    now,
  })
}
