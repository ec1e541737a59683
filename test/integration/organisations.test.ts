import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { hashToken } from '../../src/platform/tokens.ts'
import { linkIn, pathOf, registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { postApplication, READING, seedType } from '../helpers/applications.ts'
import { agentFor } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'wspólne konto 2026'
const DAY = 86_400_000

describe('organisations: colleagues act for an account with the rights they were given', () => {
  let smtp: SmtpSink
  let t: TestApp
  let worlds = 0

  /** Each test its own tenant: an account owner (a company's login) and two other people. */
  const world = async () => {
    worlds += 1
    const tenant = await createTenant(t.db.owner, { enabledServices: ['applications', 'pgb'] })
    await seedType(t.db.owner, tenant.id, 'reading', READING)
    const emails = {
      owner: `acme${worlds}@example.com`,
      anna: `anna${worlds}@example.com`,
      olek: `olek${worlds}@example.com`,
    }
    for (const email of Object.values(emails)) await registerConfirmed(t, smtp, tenant.host, email, PASSWORD)
    const as = (who: keyof typeof emails) => signedIn(t, tenant.host, emails[who], PASSWORD)
    const idOf = (email: string) =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('customers').where({ email }).first<{ id: string }>('id'),
      ).then((r) => r.id)
    const invitationMail = (to: string, after = 0) =>
      smtp.waitFor(
        (m) =>
          m.envelopeTo.includes(to) &&
          /invitations\//.test(m.text ?? '') &&
          smtp.messages.indexOf(m) >= after,
      )
    /** The owner invites `who` with a grant; the invitee's emailed link path. */
    const invite = async (who: 'anna' | 'olek', grant: Record<string, string | string[]>) => {
      const owner = await as('owner')
      const before = smtp.messages.length
      await owner.get('/account/colleagues/invite')
      const res = await owner.post('/account/colleagues/invite', { email: emails[who], ...grant })
      expect(res.status).toBe(303)
      return pathOf(linkIn(await invitationMail(emails[who], before), '/invitations/'))
    }
    const accept = async (who: 'anna' | 'olek', link: string) => {
      const agent = await as(who)
      await agent.get(link)
      const res = await agent.post(link)
      return { agent, res }
    }
    return { tenant, emails, as, idOf, invite, accept }
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('an invitation is emailed, stored only as a hash, valid 7 days, and accepted by its addressee', async () => {
    const w = await world()
    const link = await w.invite('anna', { role: 'colleague', permissions: ['applications:view'] })
    const token = link.split('/').pop()!
    const row = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('account_invitations').first<{
        token_hash: string
        expires_at: Date
        created_at: Date
        permissions: string[]
      }>('token_hash', 'expires_at', 'created_at', 'permissions'),
    )
    expect(row.token_hash).toBe(hashToken(token))
    expect(JSON.stringify(row)).not.toContain(token)
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(7 * DAY)
    expect(row.permissions).toEqual(['applications:view'])

    const anna = await w.as('anna')
    const page = await anna.get(link)
    expect(page.status).toBe(200)
    expect(page.text).toContain(w.emails.owner)
    const accepted = await anna.post(link)
    expect(accepted.status).toBe(303)
    expect(accepted.headers.location).toBe('/cabinet')
    const cabinet = await anna.get('/cabinet')
    expect(cabinet.text).toContain('data-testid="acting-for"')
    expect(cabinet.text).toContain(w.emails.owner)

    const [member] = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('account_members').select('account_id', 'person_id', 'role', 'ended_at'),
    )
    expect(member).toEqual({
      account_id: await w.idOf(w.emails.owner),
      person_id: await w.idOf(w.emails.anna),
      role: 'colleague',
      ended_at: null,
    })
    const joined = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('audit_log').where({ action: 'organisations.joined' }).first('actor_id', 'target_id'),
    )
    expect(joined).toEqual({ actor_id: member.person_id, target_id: member.account_id })
    // Used once: the same link again is gone.
    expect((await anna.post(link)).status).toBe(410)
    // The link's secret is nowhere in the request log, also where the sign-in page points back to it.
    const visitor = agentFor(t.app, w.tenant.host)
    const invitationPage = await visitor.get(link)
    expect(invitationPage.headers['referrer-policy']).toBe('no-referrer')
    await visitor.get(`/login?next=${encodeURIComponent(link)}`)
    const log = t.logs.join('')
    expect(log).toContain('/invitations/[redacted]')
    expect(log).not.toContain(token)
  })

  it('inviting an address with a login and one without reads the same and sends the same', async () => {
    const w = await world()
    const owner = await w.as('owner')
    const answers = []
    for (const email of [w.emails.anna, `nobody${worlds}@example.com`]) {
      await owner.get('/account/colleagues/invite')
      const res = await owner.post('/account/colleagues/invite', { email, role: 'administrator' })
      const next = await owner.get(res.headers.location!)
      const flash = /data-testid="flash">([^<]+)</.exec(next.text)?.[1]
      expect(flash).toContain(email)
      answers.push({ status: res.status, location: res.headers.location, flash: flash!.replace(email, 'X') })
      await smtp.waitFor((m) => m.envelopeTo.includes(email) && /invitations\//.test(m.text ?? ''))
    }
    expect(answers[0]).toEqual(answers[1])
    expect(answers[0]!.status).toBe(303)
  })

  it('a colleague may do what was granted and nothing else; the pages that are not theirs are 404', async () => {
    const w = await world()
    const owner = await w.as('owner')
    const sent = await postApplication(owner, '/services/applications/new/reading', {
      text: 'Meter 7',
      action: 'submit',
    })
    const applicationId = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    const { agent: anna } = await w.accept(
      'anna',
      await w.invite('anna', { role: 'colleague', permissions: ['applications:view'] }),
    )

    // The account's application, seen by its colleague.
    const list = await anna.get('/services/applications')
    expect(list.status).toBe(200)
    expect((await anna.get(`/services/applications/${applicationId}`)).status).toBe(200)
    // Viewing is not submitting, chatting, planning, enrolling or managing colleagues.
    await anna.get('/services/applications/new/reading/form')
    expect((await anna.post(`/services/applications/${applicationId}/withdraw`)).status).toBe(404)
    expect((await anna.post(`/services/applications/${applicationId}/read`, { n: '1' })).status).toBe(404)
    expect((await anna.get('/services/pgb')).status).toBe(404)
    expect((await anna.get('/account/services')).status).toBe(404)
    expect((await anna.get('/account/colleagues')).status).toBe(404)
    const cabinet = await anna.get('/cabinet')
    expect(cabinet.text).toContain('href="/services/applications"')
    expect(cabinet.text).not.toContain('href="/services/pgb"')
    expect(cabinet.text).not.toContain('href="/account/colleagues"')
    // The profile is the person's own, not the account's.
    const profile = await anna.get('/account/profile')
    expect(profile.text).toContain(w.emails.anna)
    expect(profile.text).not.toContain(`>${w.emails.owner}<`)
    const status = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('applications').where({ id: applicationId }).first('status'),
    )
    expect(status.status).not.toBe('withdrawn')
  })

  it('a colleague who may submit files an application that belongs to the account, recorded as theirs', async () => {
    const w = await world()
    const { agent: olek } = await w.accept(
      'olek',
      await w.invite('olek', { role: 'colleague', permissions: ['applications:submit'] }),
    )
    const sent = await postApplication(olek, '/services/applications/new/reading', {
      text: 'For Acme',
      action: 'submit',
    })
    expect(sent.status).toBe(303)
    const id = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    const row = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('applications').where({ id }).first('customer_id'),
    )
    expect(row.customer_id).toBe(await w.idOf(w.emails.owner))
    const owner = await w.as('owner')
    expect((await owner.get(`/services/applications/${id}`)).status).toBe(200)
    // Done by Olek for Acme: his id in the status history, the account in the audit.
    const olekId = await w.idOf(w.emails.olek)
    const history = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('status_history').where({ subject_id: id }).select('actor_type', 'actor_id'),
    )
    expect(history).toEqual([{ actor_type: 'customer', actor_id: olekId }])
    const audited = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('audit_log')
        .where({ target_id: id, action: 'application.status-changed' })
        .first('actor_id', 'details'),
    )
    expect(audited.actor_id).toBe(olekId)
    expect(audited.details.forAccount).toBe(row.customer_id)
  })

  it('removing a colleague ends their access at their next request, and the membership stays as history', async () => {
    const w = await world()
    const owner = await w.as('owner')
    const sent = await postApplication(owner, '/services/applications/new/reading', {
      text: 'Private',
      action: 'submit',
    })
    const applicationId = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    const { agent: anna } = await w.accept('anna', await w.invite('anna', { role: 'administrator' }))
    expect((await anna.get(`/services/applications/${applicationId}`)).status).toBe(200)

    const team = await owner.get('/account/colleagues')
    const memberId = /href="\/account\/colleagues\/([0-9a-f-]{36})"/.exec(team.text)![1]!
    await owner.get(`/account/colleagues/${memberId}`)
    expect((await owner.post(`/account/colleagues/${memberId}/remove`)).status).toBe(303)

    expect((await anna.get(`/services/applications/${applicationId}`)).status).toBe(404)
    expect((await anna.get('/cabinet')).text).not.toContain('data-testid="acting-for"')
    const rows = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('account_members').select('ended_at', 'ended_by'),
    )
    expect(rows).toHaveLength(1)
    expect(rows[0].ended_at).not.toBeNull()
    expect(rows[0].ended_by).toBe(await w.idOf(w.emails.owner))
    // Switching to it by hand is refused as well.
    await anna.get('/account/acting')
    expect((await anna.post('/account/acting', { account: await w.idOf(w.emails.owner) })).status).toBe(404)
  })

  it('an invitation works only for its address, not after 7 days, not after withdrawal, and a resent one replaces the old link', async () => {
    const w = await world()
    const first = await w.invite('anna', { role: 'colleague', permissions: ['pgb:approve'] })
    // Another login cannot take it.
    const olek = await w.as('olek')
    await olek.get(first)
    const refused = await olek.post(first)
    expect(refused.status).toBe(403)
    expect(refused.text).toContain('data-testid="refused-reason"')

    // Sent again: the first link stops working, the new one works.
    const owner = await w.as('owner')
    const team = await owner.get('/account/colleagues')
    const invitationId = /invitations\/([0-9a-f-]{36})\/resend/.exec(team.text)![1]!
    const before = smtp.messages.length
    expect((await owner.post(`/account/colleagues/invitations/${invitationId}/resend`)).status).toBe(303)
    const second = pathOf(
      linkIn(
        await smtp.waitFor((m) => smtp.messages.indexOf(m) >= before && m.envelopeTo.includes(w.emails.anna)),
        '/invitations/',
      ),
    )
    expect(second).not.toBe(first)
    const anna = await w.as('anna')
    expect((await anna.get(first)).status).toBe(410)

    // Past its 7 days the new one is gone too.
    t.clock.advance(7 * DAY + 1000)
    try {
      expect((await anna.get(second)).status).toBe(410)
    } finally {
      t.clock.advance(-(7 * DAY + 1000))
    }
    // Withdrawn: gone.
    expect((await anna.get(second)).status).toBe(200)
    await owner.get('/account/colleagues')
    expect((await owner.post(`/account/colleagues/invitations/${invitationId}/withdraw`)).status).toBe(303)
    expect((await anna.get(second)).status).toBe(410)
    const members = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('account_members').count<{ count: string }[]>('* as count'),
    )
    expect(members[0]!.count).toBe('0')
  })

  it('a bad invitation is 422 with a message beside each field, and nothing is stored or sent', async () => {
    const w = await world()
    const owner = await w.as('owner')
    await owner.get('/account/colleagues/invite')
    const before = smtp.messages.length
    const res = await owner.post('/account/colleagues/invite', {
      email: 'not an address',
      role: 'colleague',
      permissions: ['pgb:fly'],
    })
    expect(res.status).toBe(422)
    expect(res.text).toContain('href="#email"')
    expect(res.text).toContain('href="#permissions"')
    const none = await owner.post('/account/colleagues/invite', { email: w.emails.anna, role: 'colleague' })
    expect(none.status).toBe(422)
    expect(none.text).toContain('Choose at least one thing a colleague may do')
    const rows = await withTenant(t.db.owner, w.tenant.id, (trx) => trx('account_invitations').select('id'))
    expect(rows).toEqual([])
    await new Promise((r) => setTimeout(r, 300))
    expect(smtp.messages.length).toBe(before)
  })

  it('the switcher lists the accounts a person acts for and switches between them', async () => {
    const w = await world()
    const { agent: anna } = await w.accept(
      'anna',
      await w.invite('anna', { role: 'colleague', permissions: ['applications:view'] }),
    )
    const page = await anna.get('/account/acting')
    expect(page.text).toContain(w.emails.owner)
    const own = await w.idOf(w.emails.anna)
    expect((await anna.post('/account/acting', { account: own })).status).toBe(303)
    expect((await anna.get('/cabinet')).text).not.toContain('data-testid="acting-for"')
    await anna.get('/account/acting')
    expect((await anna.post('/account/acting', { account: await w.idOf(w.emails.owner) })).status).toBe(303)
    expect((await anna.get('/cabinet')).text).toContain('data-testid="acting-for"')
    // Addresses that name nothing are 404s, never errors.
    const owner = await w.as('owner')
    expect((await owner.get('/account/colleagues/not-an-id')).status).toBe(404)
    await owner.get('/account/colleagues')
    expect((await owner.post('/account/colleagues/invitations/nope/resend')).status).toBe(404)
    expect((await owner.post('/account/colleagues/not-an-id/remove')).status).toBe(404)
    await anna.get('/account/acting')
    expect((await anna.post('/account/acting', { account: 'nobody' })).status).toBe(404)
    // Someone with no memberships has only their own account.
    const olek = await w.as('olek')
    expect((await olek.get('/account/acting')).text).toContain('data-testid="only-own"')
  })

  it('a sign-in starts acting for the account chosen last, as long as the person still may', async () => {
    const w = await world()
    await w.accept('anna', await w.invite('anna', { role: 'colleague', permissions: ['applications:view'] }))
    const login = async () => {
      const agent = agentFor(t.app, w.tenant.host)
      await agent.get('/login')
      const res = await agent.post('/login', { login: w.emails.anna, password: PASSWORD })
      expect(res.status).toBe(303)
      return {
        agent,
        landing: res.headers.location,
        acting: (await agent.get('/cabinet')).text.includes('data-testid="acting-for"'),
      }
    }
    // Accepting the invitation chose the company: the next sign-in lands in its cabinet.
    const first = await login()
    expect([first.landing, first.acting]).toEqual(['/cabinet', true])
    // Choosing her own account is remembered too.
    await first.agent.get('/account/acting')
    await first.agent.post('/account/acting', { account: await w.idOf(w.emails.anna) })
    expect((await login()).acting).toBe(false)
    const back = await login()
    await back.agent.get('/account/acting')
    await back.agent.post('/account/acting', { account: await w.idOf(w.emails.owner) })
    expect((await login()).acting).toBe(true)
    // Removed from the company, she signs in as herself.
    const owner = await w.as('owner')
    const memberId = /href="\/account\/colleagues\/([0-9a-f-]{36})"/.exec(
      (await owner.get('/account/colleagues')).text,
    )![1]!
    await owner.get(`/account/colleagues/${memberId}`)
    expect((await owner.post(`/account/colleagues/${memberId}/remove`)).status).toBe(303)
    const after = await login()
    expect(after.acting).toBe(false)
  })

  it('what the account is written about a service reaches the colleagues whose role covers it, in their language', async () => {
    const w = await world()
    await w.accept('anna', await w.invite('anna', { role: 'colleague', permissions: ['applications:view'] }))
    await w.accept('olek', await w.invite('olek', { role: 'colleague', permissions: ['pgb:view'] }))
    await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('customers').where({ email: w.emails.anna }).update({ preferred_locale: 'ru' }),
    )
    const owner = await w.as('owner')
    const sent = await postApplication(owner, '/services/applications/new/reading', {
      text: 'Meter 9',
      action: 'submit',
    })
    expect(sent.status).toBe(303)
    const isReceipt = (to: string) => (m: { envelopeTo: string[]; attachments: unknown[] }) =>
      m.envelopeTo.includes(to) && m.attachments.length === 1
    const ownerMail = await smtp.waitFor(isReceipt(w.emails.owner))
    const annaMail = await smtp.waitFor(isReceipt(w.emails.anna))
    expect(annaMail.subject).toContain('принята')
    expect(ownerMail.subject).not.toContain('принята')
    // One receipt stored, the same document in both.
    const receipts = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('application_receipts').select('id'),
    )
    expect(receipts).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 500))
    expect(smtp.messages.filter((m) => m.envelopeTo.includes(w.emails.olek) && m.attachments.length)).toEqual(
      [],
    )
  })
})
