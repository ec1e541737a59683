import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { moveApplication } from '../../src/modules/applications/service.ts'
import type { RequestContext } from '../../src/platform/context.ts'
import { ForbiddenError } from '../../src/platform/errors.ts'
import { findTenantById } from '../../src/platform/tenancy/repo.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import {
  applicationByNumber,
  PDF,
  READING,
  TP15,
  moveAs,
  multipart,
  postApplication,
  seedType,
  submitAs,
} from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, staffSignIns } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
const TP_LINE = ['inProgress', 'contract', 'works', 'checking', 'acts', 'completed']
/** How the customer's (Russian) emails name each step. */
const RU_NAMES: Record<string, string> = {
  inProgress: 'В работе',
  contract: 'Заключение договора ТП',
  works: 'Выполнение мероприятий по ТП',
  checking: 'Проверка выполнения ТУ',
  acts: 'Оформление актов ТП',
  completed: 'Исполнена',
}

describe('applications: the workflow as staff move it', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let clerkEmail: string
  let adminEmail: string
  const signIn = staffSignIns()
  const staff = (email: string) => signIn(t, tenant.host, email)
  const customer = () => signedIn(t, tenant.host, 'olga@example.com', PASSWORD)
  const application = (number: string) => applicationByNumber(t.db.owner, tenant.id, number)
  const submit = async (type = 'tp15') => submitAs(await customer(), type, type !== 'reading')
  const move = moveAs

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, {
      defaultLocale: 'ru',
      timeZone: 'Europe/Moscow',
      modules: { calendar: { country: 'RU' } },
    })
    await seedType(t.db.owner, tenant.id, 'tp15', TP15)
    await seedType(t.db.owner, tenant.id, 'reading', READING)
    await registerConfirmed(t, smtp, tenant.host, 'olga@example.com', PASSWORD)
    clerkEmail = await createOperator(t, tenant.id, 'operator')
    adminEmail = await createOperator(t, tenant.id, 'admin')
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  /** An application sent on 30 December 2025 (the test clock is set back for it, then forward again). */
  const submitInDecember = async () => {
    const now = t.clock.now()
    t.clock.set('2025-12-30T09:00:00Z')
    try {
      return await submit('reading')
    } finally {
      // Back to where it was: staff's TOTP codes are never taken for an earlier time than the last.
      t.clock.set(now)
    }
  }

  it('counts the review time on the Russian calendar across the New Year holidays and the 9 January transfer', async () => {
    const number = await submitInDecember()
    // 31 Dec 2025 and 1–11 Jan 2026 are days off in Russia: five business days are 12–16 January.
    expect((await application(number)).due_on).toBe('2026-01-16')
  })

  it('moves a connection through all seven steps, emailing the customer at each, and the customer sees each', async () => {
    // The form gives the capacity's unit the reader's way, whatever the type's data says.
    const form = await (await customer()).get('/services/applications/new/tp15/form')
    expect(form.text).toContain('От 0 до 15 кВт')
    expect(form.text).not.toMatch(/\bkW\b/)
    const number = await submit()
    const { id } = await application(number)
    const clerk = await staff(clerkEmail)
    const olga = await customer()
    let expected = 'submitted'
    for (const to of TP_LINE) {
      if (to === 'contract') {
        // The contract step needs the contract: without it, a message beside the field, no move.
        const bare = await move(clerk, id, { to, expected, comment: 'Contract attached' })
        expect(bare.status).toBe(422)
        expect(bare.text).toContain('href="#staff"')
        expect((await application(number)).status).toBe(expected)
      }
      const res = await move(
        clerk,
        id,
        { to, expected, comment: to === 'contract' ? 'Contract attached' : '' },
        to === 'contract' ? [['contract.pdf', PDF]] : [],
      )
      expect(res.status, to).toBe(303)
      expected = to
      const page = await olga.get(`/services/applications/${id}`)
      expect(page.text).toMatch(new RegExp(`aria-current="step">\\s*<span class="kb-timeline__name">`))
      const mail = await smtp.waitFor(
        (m) =>
          m.envelopeTo.includes('olga@example.com') &&
          m.subject === `${tenant.settings.name}: заявка ${number} — ${RU_NAMES[to]}`,
      )
      expect(mail.text).toContain(`/services/applications/${id}`)
      if (to === 'contract') expect(mail.text).toContain('Contract attached')
    }
    expect((await application(number)).status).toBe('completed')
    const history = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('status_history')
        .where({ subject_id: id })
        .orderBy('seq')
        .select<{ to_status: string; comment: string | null }[]>('to_status', 'comment'),
    )
    expect(history.map((h) => h.to_status)).toEqual(['submitted', ...TP_LINE])
    expect(history.find((h) => h.to_status === 'contract')?.comment).toBe('Contract attached')
    const olgas = () =>
      smtp.messages.filter(
        (m) => m.envelopeTo.includes('olga@example.com') && (m.subject ?? '').includes(number),
      )
    // The loop waited for each step's mail; the submission's goes through the outbox too and
    // may still be on its way on a loaded machine (CI, 3 Dec): wait for it, then count.
    for (const deadline = Date.now() + 10_000; olgas().length < 7 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 50))
    const mails = olgas()
    expect(mails).toHaveLength(7)
    const page = await olga.get(`/services/applications/${id}`)
    expect(page.text.match(/kb-timeline__step--done/g)).toHaveLength(6)
    expect(page.text).toContain('kb-timeline__step--current')
  })

  it('moves with the role of the request’s own actor: a service called for anyone but staff refuses', async () => {
    const number = await submit('reading')
    const { id } = await application(number)
    const found = await findTenantById(t.deps.db, tenant.id)
    const ctx = (actor: RequestContext['actor']): RequestContext => ({
      tenant: found!,
      actor,
      locale: 'en',
      requestId: 'test',
      ip: undefined,
    })
    const request = { to: 'inProgress', expected: 'submitted', comment: '' }
    const customerId = await withTenant(t.db.owner, tenant.id, async (trx) =>
      String((await trx('customers').first('id')).id),
    )
    await expect(
      moveApplication(t.deps, ctx({ type: 'customer', id: customerId }), id, request, []),
    ).rejects.toBeInstanceOf(ForbiddenError)
    // An operator without a role loaded by sign-in is no operator to a service either.
    await expect(
      moveApplication(t.deps, ctx({ type: 'operator', id: null }), id, request, []),
    ).rejects.toBeInstanceOf(ForbiddenError)
    expect((await application(number)).status).toBe('submitted')
  })

  it('keeps staff’s internal notes from the customer: not on their pages, not in their mail', async () => {
    const number = await submit('reading')
    const { id } = await application(number)
    const clerk = await staff(clerkEmail)
    await clerk.get(`/admin/applications/${id}`)
    const empty = await clerk.post(`/admin/applications/${id}/notes`, { note: '   ' })
    expect(empty.status).toBe(422)
    expect(empty.text).toContain('href="#note"')
    expect(empty.text).toContain('Введите текст заметки')
    const control = await clerk.post(`/admin/applications/${id}/notes`, { note: 'Called\u0007 twice' })
    expect(control.status).toBe(422)
    expect(control.text).toContain('Удалите из этого поля управляющие')
    // The note is shown again as typed, to correct rather than rewrite.
    expect(control.text).toMatch(/<textarea[^>]*id="note"[^>]*>Called/)
    const secret = 'Customer sounded unsure about the meter seal'
    const saved = await clerk.post(`/admin/applications/${id}/notes`, { note: secret })
    expect(saved.status).toBe(303)
    expect((await clerk.get(`/admin/applications/${id}`)).text).toContain(secret)
    const olga = await customer()
    for (const path of [`/services/applications/${id}`, '/services/applications'])
      expect((await olga.get(path)).text).not.toContain(secret)
    // A status change mails the customer: the note is not in it.
    expect((await move(clerk, id, { to: 'inProgress', expected: 'submitted' })).status).toBe(303)
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes('olga@example.com') && (m.text ?? '').includes(number),
    )
    expect(mail.text).not.toContain(secret)
    const audited = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('audit_log').where({ action: 'application.note-added', target_id: id }).count('* as n').first(),
    )
    expect(audited).toEqual({ n: '1' })
  })

  it('names a note’s author also after they have left the staff', async () => {
    const { id } = await application(await submit('reading'))
    const leaverEmail = await createOperator(t, tenant.id, 'operator')
    const leaver = await staff(leaverEmail)
    await leaver.get(`/admin/applications/${id}`)
    expect(
      (await leaver.post(`/admin/applications/${id}/notes`, { note: 'Meter photo requested' })).status,
    ).toBe(303)
    await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('operators').where({ email: leaverEmail }).update({ disabled_at: new Date() }),
    )
    const page = (await (await staff(clerkEmail)).get(`/admin/applications/${id}`)).text
    const author =
      /<strong>([^<]*)<\/strong> · <time[^>]*>[^<]*<\/time><br><span class="kb-pre">Meter photo requested/.exec(
        page,
      )?.[1]
    expect(author).toBe(`Staff ${leaverEmail}`)
  })

  it('lets the customer accept the contract online: by name, with the time and the exact file’s SHA-256', async () => {
    const number = await submit()
    const { id } = await application(number)
    const clerk = await staff(clerkEmail)
    expect((await move(clerk, id, { to: 'inProgress', expected: 'submitted' })).status).toBe(303)
    const contract = Buffer.concat([PDF, Buffer.from('% contract TP-15\n')])
    expect(
      (await move(clerk, id, { to: 'contract', expected: 'inProgress' }, [['dogovor.pdf', contract]])).status,
    ).toBe(303)
    const olga = await customer()
    const page = await olga.get(`/services/applications/${id}`)
    expect(page.text).toContain('data-testid="accept"')
    const documentId = /name="document" type="radio" value="([0-9a-f-]{36})"/.exec(page.text)?.[1]
    expect(documentId).toBeDefined()
    const accept = (form: Record<string, string>) => olga.post(`/services/applications/${id}/accept`, form)
    const unnamed = await accept({ document: documentId!, confirm: 'yes', signer: '' })
    expect(unnamed.status).toBe(422)
    expect(unnamed.text).toContain('href="#signer"')
    const unticked = await accept({ document: documentId!, signer: 'Ольга Петрова' })
    expect(unticked.status).toBe(422)
    expect(unticked.text).toContain('href="#confirm"')
    expect(unticked.text).toContain('value="Ольга Петрова"')
    const accepted = await accept({ document: documentId!, signer: 'Ольга Петрова', confirm: 'yes' })
    expect(accepted.status).toBe(303)
    expect((await accept({ document: documentId!, signer: 'Ольга Петрова', confirm: 'yes' })).status).toBe(
      303,
    )
    const sha256 = createHash('sha256').update(contract).digest('hex')
    const rows = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('application_acceptances')
        .where({ application_id: id })
        .select('file_name', 'sha256', 'signer_name'),
    )
    expect(rows).toEqual([{ file_name: 'dogovor.pdf', sha256, signer_name: 'Ольга Петрова' }])
    for (const shown of [
      await olga.get(`/services/applications/${id}`),
      await clerk.get(`/admin/applications/${id}`),
    ]) {
      expect(shown.text).toContain('data-testid="acceptances"')
      expect(shown.text).toContain(sha256)
    }
    const audited = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('audit_log').where({ action: 'application.accepted', target_id: id }).first('details'),
    )
    expect(audited.details).toEqual({ document: 'dogovor.pdf', sha256, name: 'Ольга Петрова' })
    // Only in the contract step: once the works started, there is nothing to accept here.
    expect((await move(clerk, id, { to: 'works', expected: 'contract' })).status).toBe(303)
    expect((await accept({ document: documentId!, signer: 'Ольга Петрова', confirm: 'yes' })).status).toBe(
      409,
    )
  })

  it('refuses what the workflow does not allow: skipped steps, a stale form, a return without a reason', async () => {
    const number = await submit()
    const { id } = await application(number)
    const clerk = await staff(clerkEmail)
    expect((await move(clerk, id, { to: 'completed', expected: 'submitted' })).status).toBe(409)
    expect((await move(clerk, id, { to: 'inProgress', expected: 'draft' })).status).toBe(409)
    expect((await move(clerk, id, { to: 'submitted', expected: 'submitted' })).status).toBe(409)
    const noReason = await move(clerk, id, { to: 'returned', expected: 'submitted', comment: '  ' })
    expect(noReason.status).toBe(422)
    expect((await application(number)).status).toBe('submitted')
    // A customer's crafted post to the staff route meets the staff sign-in.
    const olga = await customer()
    await olga.get(`/services/applications/${id}`)
    const crafted = await olga.post(`/admin/applications/${id}/status`, {
      to: 'completed',
      expected: 'submitted',
    })
    expect(crafted.status).toBe(303)
    expect(crafted.headers.location).toMatch(/^\/admin\/login/)
    expect((await application(number)).status).toBe('submitted')
  })

  it('returns an application for corrections; the customer corrects and resends it; history keeps both', async () => {
    const number = await submit()
    const { id } = await application(number)
    const admin = await staff(adminEmail)
    expect(
      (await move(admin, id, { to: 'returned', expected: 'submitted', comment: 'Plan is unreadable' }))
        .status,
    ).toBe(303)
    const olga = await customer()
    const edit = await olga.get(`/services/applications/${id}/edit`)
    expect(edit.text).toContain('Plan is unreadable')
    const resent = await postApplication(
      olga,
      `/services/applications/${id}/edit`,
      {
        text: 'Please, new plan',
        f_capacity: '5',
        f_address: 'Lenina 1',
        action: 'submit',
        expected: 'returned',
      },
      [['doc_plan', 'plan-2.pdf', PDF]],
      `/services/applications/${id}/edit`,
    )
    expect(resent.status).toBe(303)
    const after = await application(number)
    expect(after.status).toBe('submitted')
    const history = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('status_history').where({ subject_id: id }).orderBy('seq').pluck('to_status'),
    )
    expect(history).toEqual(['submitted', 'returned', 'submitted'])
    const audit = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('audit_log').where({ action: 'application.corrected', target_id: id }).first('details'),
    )
    expect(audit.details.before.text).toBe('Please')
    // Only the customer withdraws; staff cannot, whatever they post.
    const admin2 = await staff(adminEmail)
    expect((await move(admin2, id, { to: 'withdrawn', expected: 'submitted' })).status).toBe(403)
  })

  it('assigns, filters the queue (assigned to me, overdue, type, search) and exports it as CSV', async () => {
    const december = await submitInDecember()
    const clerk = await staff(clerkEmail)
    const number = await submit('reading')
    const { id } = await application(number)
    await clerk.get(`/admin/applications/${id}`)
    expect((await clerk.post(`/admin/applications/${id}/assign`, { assignee: 'me' })).status).toBe(303)
    const mine = await clerk.get('/admin/applications?assignee=me')
    expect(mine.text).toContain(number)
    expect(mine.text.match(/href="\/admin\/applications\/[0-9a-f-]{36}"/g)).toHaveLength(1)
    expect((await clerk.get(`/admin/applications?q=${number}`)).text).toContain(number)
    expect((await clerk.get('/admin/applications?q=nobody-like-this')).text).not.toContain(number)
    // The December application was due on 16 January: it is overdue now, and flagged.
    const overdue = await clerk.get('/admin/applications?overdue=1')
    expect(overdue.text).toContain(december)
    expect(overdue.text).toContain('data-testid="overdue"')
    expect(overdue.text).not.toContain(number)
    const csv = await clerk.get('/admin/applications.csv?type=reading')
    expect(csv.headers['content-disposition']).toContain('attachment')
    expect(csv.text.charCodeAt(0)).toBe(0xfeff)
    expect(csv.text).toContain(number)
    expect(csv.text.split('\n')[0]).toContain(';')
  })

  it('shows the customer the documents staff attach, and lets nobody else download them', async () => {
    const number = await submit('reading')
    const { id } = await application(number)
    const admin = await staff(adminEmail)
    await admin.get(`/admin/applications/${id}`)
    const up = await multipart(admin, `/admin/applications/${id}/documents`).attach('document', PDF, {
      filename: 'conditions.pdf',
    })
    expect(up.status).toBe(303)
    const olga = await customer()
    const page = await olga.get(`/services/applications/${id}`)
    const link = /href="(\/services\/applications\/[^"]+\/files\/[^"]+)"[^>]*>conditions\.pdf/.exec(
      page.text,
    )?.[1]
    expect(link).toBeDefined()
    const file = await olga.raw.get(link!).set('Host', tenant.host).buffer(true)
    expect(file.status).toBe(200)
    expect(file.headers['content-disposition']).toContain('conditions.pdf')
    // The same file through another application of hers is not found.
    const other = await application(await submit('reading'))
    const crossed = link!.replace(id, other.id)
    expect((await olga.raw.get(crossed).set('Host', tenant.host)).status).toBe(404)
  })
})
