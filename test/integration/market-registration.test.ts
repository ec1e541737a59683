import { describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { multipart, PDF, PNG } from '../helpers/applications.ts'
import { createTenant } from '../helpers/factories.ts'
import { BASIC, CONTACTS, MARKET_PASSWORD, useMarketEnv, RESIDENT_ID, USCC } from '../helpers/market.ts'

/**
 * Issue 20 items 1–3, 5 and 6 through HTTP (CSRF on): the wizard's steps with good and bad
 * input, Save and Next, resuming a draft, the completeness check, attachment rules, and
 * generating units with their PDF approvals (the centre's side: market-review.test.ts).
 */
describe('market registration', () => {
  const market = useMarketEnv()

  it('walks a generation company through every step, refusing bad input beside its field and changing nothing', async () => {
    const { step, customer, memberOf, upload } = market()
    const as = await customer('gen-steps@example.com')

    // Without the service, its page says where to register.
    const closed = await as.get('/services/market')
    expect(closed.status).toBe(403)
    expect(closed.text).toContain('href="/services/market/registration"')
    expect((await as.get('/services/market/registration')).headers.location).toBe(
      '/services/market/registration/type',
    )

    expect((await step(as, 'type', { memberType: 'trader' })).status).toBe(422)
    expect(await memberOf('gen-steps@example.com')).toBeUndefined()
    const typed = await step(as, 'type', { memberType: 'generator' })
    expect(typed.headers.location).toBe('/services/market/registration/basic')

    const badBasic = await step(as, 'basic', {
      companyName: '',
      dispatchName: ' 示范电厂',
      legalRepresentativeId: '110105194912310021',
    })
    expect(badBasic.status).toBe(422)
    for (const text of [
      'Enter the company&#39;s full legal name',
      'Enter the dispatch short name exactly',
      'Enter a valid 18-character resident identity number',
    ])
      expect(badBasic.text).toContain(text)
    expect((await memberOf('gen-steps@example.com')).saved_parts).toEqual([])

    // Save stays on the step; Next goes on. Identifiers are stored in their normal form.
    const saved = await step(
      as,
      'basic',
      { ...BASIC, legalRepresentativeId: RESIDENT_ID.toLowerCase() },
      'save',
    )
    expect(saved.headers.location).toBe('/services/market/registration/basic')
    const member = await memberOf('gen-steps@example.com')
    expect(member).toMatchObject({
      company_name: BASIC.companyName,
      dispatch_name: BASIC.dispatchName,
      legal_representative_id: RESIDENT_ID,
      saved_parts: ['basic'],
      status: 'draft',
    })

    const business = [
      [
        { uscc: '91110000600037341M', licenceExempt: 'no', licenceState: 'held', licenceNumber: 'X1' },
        'valid 18-character unified social credit code',
      ],
      [{ uscc: USCC }, 'Select whether the company is exempt'],
      [{ uscc: USCC, licenceExempt: 'no' }, 'Select whether the licence is held or in progress'],
      [
        { uscc: USCC, licenceExempt: 'no', licenceState: 'held', licenceNumber: '' },
        'Enter the licence number',
      ],
      [{ uscc: USCC, licenceExempt: 'yes', licenceExpectedOn: '2027-02-30' }, 'Enter a real date'],
      [{ uscc: USCC, licenceExempt: 'no', licenceState: 'in_progress' }, 'Enter the expected date'],
    ] as const
    for (const [form, message] of business) {
      const res = await step(as, 'business', form)
      expect(res.status, JSON.stringify(form)).toBe(422)
      expect(res.text).toContain(message)
    }
    const exempt = await step(as, 'business', {
      uscc: ` ${USCC.toLowerCase()} `,
      licenceExempt: 'yes',
      licenceExpectedOn: '2027-03-31',
      licenceState: 'held',
      licenceNumber: 'ignored',
    })
    expect(exempt.headers.location).toBe('/services/market/registration/contacts')
    expect(await memberOf('gen-steps@example.com')).toMatchObject({
      uscc: USCC,
      licence_exempt: true,
      licence_state: null,
      licence_number: null,
    })

    const badContacts = await step(as, 'contacts', {
      ...CONTACTS,
      contactPhone: '123',
      contactEmail: 'wang@',
    })
    expect(badContacts.status).toBe(422)
    expect((await step(as, 'contacts', CONTACTS)).status).toBe(303)
    expect((await memberOf('gen-steps@example.com')).contact_phone).toBe('+8613800138000')

    for (const capacity of ['', 'abc', '0', '1.2345', '1234567'])
      expect((await step(as, 'parameters', { installedCapacity: capacity })).status, capacity).toBe(422)
    expect((await step(as, 'parameters', { installedCapacity: '350,50' })).headers.location).toBe(
      '/services/market/registration/attachments',
    )
    // The amount keeps the decimals it was typed with.
    expect((await memberOf('gen-steps@example.com')).installed_capacity_mw).toBe('350.50')

    // Documents are checked by their bytes: an executable named .pdf is refused beside its field.
    const fake = await upload(as, '/services/market/registration/attachments', {
      uscc_certificate: [Buffer.from('MZ\x90\x00 not a pdf'), 'uscc.pdf'],
    })
    expect(fake.status).toBe(422)
    expect(fake.text).toContain('href="#uscc_certificate"')

    // The exempt company is asked for the exemption's proof, and not for a licence.
    const page = await as.get('/services/market/registration/attachments')
    expect(page.text).toContain('id="exemption_proof"')
    expect(page.text).not.toContain('id="power_licence"')
    const docs = await upload(as, '/services/market/registration/attachments', {
      uscc_certificate: [PDF, 'uscc.pdf'],
      legal_representative_id: [PNG, 'id.png'],
    })
    expect(docs.status).toBe(303)
    const summary = await as.get('/services/market/registration')
    expect(summary.text).toContain('Proof of licence exemption missing')
    expect(summary.text).toContain('add at least one generating unit')
    // The USCC certificate stands for the three older certificates.
    expect(summary.text).not.toContain('Business licence missing')
  })

  it('adds generating units with their PDF approvals and refuses to complete while anything is missing', async () => {
    const { step, customer, upload, complete, memberOf } = market()
    const as = await customer('gen-units@example.com')
    expect((await step(as, 'type', { memberType: 'generator' })).status).toBe(303)

    const refused = await complete(as)
    expect(refused.status).toBe(422)
    for (const part of ['basic', 'business', 'contacts', 'parameters', 'attachments', 'units'])
      expect(refused.text).toContain(`href="/services/market/registration/${part}"`)
    expect((await memberOf('gen-units@example.com')).status).toBe('draft')

    const badUnit = await step(as, 'units', {
      name: '',
      unitType: 'coal',
      capacity: '0',
      dispatchName: '',
      connectedOn: 'tomorrow',
    })
    expect(badUnit.status).toBe(422)
    for (const field of ['name', 'unitType', 'capacity', 'dispatchName', 'connectedOn'])
      expect(badUnit.text).toContain(`href="#${field}"`)

    const unitPath = await market().readyGenerator(as, { ...BASIC, dispatchName: '示范二厂' })
    const notPdf = await upload(as, unitPath, { price_approval: [PNG, 'price.png'] })
    expect(notPdf.status).toBe(422)
    expect(notPdf.text).toContain('href="#price_approval"')

    const done = await complete(as)
    expect(done.status, done.text).toBe(303)
    const member = await memberOf('gen-units@example.com')
    expect(member).toMatchObject({ status: 'submitted' })
    expect(member.submitted_at).toBeInstanceOf(Date)

    // Out of the applicant's hands: no part changes, nothing is uploaded.
    expect((await step(as, 'basic', BASIC)).status).toBe(409)
    expect(
      (await upload(as, '/services/market/registration/attachments', { other: [PDF, 'x.pdf'] })).status,
    ).toBe(409)
  })

  it('keeps dispatch short names unique in the tenant, said beside the field', async () => {
    const { step, customer } = market()
    const one = await customer('dispatch-1@example.com')
    const two = await customer('dispatch-2@example.com')
    for (const as of [one, two]) expect((await step(as, 'type', { memberType: 'supplier' })).status).toBe(303)
    expect((await step(one, 'basic', { ...BASIC, dispatchName: '同名' })).status).toBe(303)
    const taken = await step(two, 'basic', { ...BASIC, dispatchName: '同名' })
    expect(taken.status).toBe(422)
    expect(taken.text).toContain('Another member already uses this dispatch short name')
    // Exact: another spelling is another name.
    expect((await step(two, 'basic', { ...BASIC, dispatchName: '同名2' })).status).toBe(303)
  })

  it('keeps a half-finished registration across signing out and in again', async () => {
    const { step, customer, t, tenant } = market()
    const as = await customer('resume@example.com')
    await step(as, 'type', { memberType: 'supplier' })
    expect((await step(as, 'basic', { ...BASIC, dispatchName: '续填售电' }, 'save')).status).toBe(303)
    await as.get('/account/profile')
    expect((await as.post('/logout')).status).toBe(303)
    expect((await as.get('/services/market/registration')).headers.location).toMatch(/^\/login/)

    const back = await signedIn(t, tenant.host, 'resume@example.com', MARKET_PASSWORD)
    const basic = await back.get('/services/market/registration/basic')
    expect(basic.text).toContain('value="续填售电"')
    const summary = await back.get('/services/market/registration')
    expect(summary.text).toContain('Retail supplier')
    // Basic is saved; the other parts are still asked for, and a supplier has no units step.
    expect(summary.text).not.toContain('Basic information: not saved yet')
    expect(summary.text).toContain('Business information: not saved yet')
    expect(summary.text).not.toContain('href="/services/market/registration/units"')
  })

  it('refuses a document over the tenant’s size and, where the tenant says PDF only, any other type', async () => {
    const { t, smtp } = market()
    const strict = await createTenant(t.db.owner, {
      enabledServices: ['market'],
      phoneRegion: 'CN',
      modules: { market: { pdfOnly: true, attachmentMaxMb: 1 } },
    })
    await registerConfirmed(t, smtp, strict.host, 'strict@example.com', MARKET_PASSWORD)
    const as = await signedIn(t, strict.host, 'strict@example.com', MARKET_PASSWORD)
    await as.get('/services/market/registration/type')
    await as.post('/services/market/registration/type', { memberType: 'power_user', action: 'next' })
    const upload = async (bytes: Buffer, name: string) => {
      await as.get('/services/market/registration/attachments')
      return multipart(as, '/services/market/registration/attachments')
        .field('action', 'save')
        .attach('uscc_certificate', bytes, { filename: name })
    }
    const png = await upload(PNG, 'uscc.png')
    expect(png.status).toBe(422)
    expect(png.text).toContain('href="#uscc_certificate"')
    const large = Buffer.concat([PDF, Buffer.alloc(1024 * 1024 + 1, 0x20)])
    const oversize = await upload(large, 'uscc.pdf')
    expect(oversize.status).toBe(422)
    expect(oversize.text).toContain('href="#uscc_certificate"')
    const stored = await withTenant(t.db.owner, strict.id, (trx) =>
      trx('attachments').count<{ count: string }[]>(),
    )
    expect(Number(stored[0]!.count)).toBe(0)
    expect((await upload(PDF, 'uscc.pdf')).status).toBe(303)
  })
})
