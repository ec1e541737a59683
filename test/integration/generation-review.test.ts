import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { signedIn } from '../helpers/accounts.ts'
import { gridForm, pgbTenant, postDay } from '../helpers/generation.ts'

const PASSWORD = 'słoneczny poranek 12'
/** The autumn DST day of 2027 in Warsaw: 100 quarter-hours, 02:00 twice (A then B). */
const AUTUMN = '2027-10-31'

/** Issue 17 item 21: the operator reviews a day value by value and may comment on single intervals. */
describe('generation: reviewing a schedule with comments on intervals', () => {
  let env: Awaited<ReturnType<typeof pgbTenant>>
  const customer = () => signedIn(env.t, env.tenant.host, 'review@example.com', PASSWORD)
  const stored = (unitId: string) =>
    withTenant(env.t.db.owner, env.tenant.id, (trx) =>
      trx('schedule_versions as v')
        .join('schedules as s', 's.id', 'v.schedule_id')
        .where('s.unit_id', unitId)
        .orderBy('v.version')
        .select<{ version: number; status: string; interval_comments: Record<string, string> | null }[]>(
          'v.version',
          'v.status',
          'v.interval_comments',
        ),
    )
  /** Each test its own unit, its autumn day approved as version 1: the schedule to review. */
  const submittedDay = async (code: string) => {
    await env.admin.get('/admin/generation/units')
    const unit = await env.admin.post('/admin/generation/units', {
      customerEmail: 'review@example.com',
      code,
      name: 'Review solar',
      technology: 'pv',
      capacity: '1000',
      connectionPoint: 'GPZ 15 kV',
      activeFrom: '2026-01-01',
      activeTo: '',
    })
    const unitId = unit.headers.location!.split('/').at(-1)!
    const values = Array.from({ length: 100 }, (_, i) => (i % 10) * 10)
    expect((await postDay(await customer(), unitId, AUTUMN, gridForm(values, 'approve'))).status).toBe(303)
    const overview = await env.admin.get(`/admin/generation?day=${AUTUMN}`)
    const scheduleId = new RegExp(
      `href="/admin/generation/schedules/([0-9a-f-]{36})" data-testid="review-${code}"`,
    ).exec(overview.text)![1]!
    return { unitId, scheduleId }
  }

  beforeAll(async () => {
    env = await pgbTenant(['review@example.com'], PASSWORD)
  })
  afterAll(() => env.close())

  it('shows the version value by value with one comment field per interval, the repeated hour as A and B', async () => {
    const { scheduleId } = await submittedDay('PV-REVIEW-1')
    const page = await env.admin.get(`/admin/generation/schedules/${scheduleId}`)
    expect(page.status).toBe(200)
    expect(page.text.match(/<input class="govuk-input" id="note-\d+" name="note-\d+"/g)).toHaveLength(100)
    expect(page.text).toContain('<th scope="row" class="govuk-table__header" id="label-9">02:00 A–02:15</th>')
    expect(page.text).toContain(
      '<th scope="row" class="govuk-table__header" id="label-13">02:00 B–02:15</th>',
    )
    expect(page.text).toContain(
      '<label class="govuk-visually-hidden" for="note-13">Comment on 02:00 B–02:15</label>',
    )
    expect(page.text).toContain('<th scope="row" class="govuk-table__header" id="label-100">23:45–24:00</th>')
  })

  it('refuses a comment too long or with a control character beside its interval, and changes nothing', async () => {
    const { unitId, scheduleId } = await submittedDay('PV-REVIEW-2')
    const base = {
      to: 'rejected',
      version: '1',
      comment: 'Too high',
      back: `/admin/generation?day=${AUTUMN}`,
      review: '1',
    }
    const long = await env.admin.post(`/admin/generation/schedules/${scheduleId}`, {
      ...base,
      'note-13': 'x'.repeat(501),
    })
    expect(long.status).toBe(422)
    expect(long.text).toContain('href="#note-13"')
    expect(long.text).toContain('<p id="note-13-error" class="govuk-error-message">')
    expect(long.text).toContain('Keep a comment on one interval to 500 characters')
    const nul = await env.admin.post(`/admin/generation/schedules/${scheduleId}`, {
      ...base,
      'note-9': 'a\u0000b',
    })
    expect(nul.status).toBe(422)
    expect(nul.text).toContain('href="#note-9"')
    // An interval the version does not have is not the page's form.
    const outside = await env.admin.post(`/admin/generation/schedules/${scheduleId}`, {
      ...base,
      'note-101': 'x',
    })
    expect(outside.status).toBe(404)
    expect(await stored(unitId)).toEqual([{ version: 1, status: 'submitted', interval_comments: null }])
  })

  it('keeps the comments with the rejected version; the customer sees them beside the intervals and in the email', async () => {
    const { unitId, scheduleId } = await submittedDay('PV-REVIEW-3')
    const rejected = await env.admin.post(`/admin/generation/schedules/${scheduleId}`, {
      to: 'rejected',
      version: '1',
      comment: 'Night values above the agreed profile',
      back: `/admin/generation?day=${AUTUMN}`,
      review: '1',
      'note-9': 'Should be 0 (summer time hour)',
      'note-13': 'Should be 0 too',
      'note-50': '   ',
    })
    expect(rejected.status).toBe(303)
    expect(rejected.headers.location).toBe(`/admin/generation?day=${AUTUMN}`)
    expect(await stored(unitId)).toEqual([
      {
        version: 1,
        status: 'rejected',
        interval_comments: { '9': 'Should be 0 (summer time hour)', '13': 'Should be 0 too' },
      },
    ])
    const mail = await env.smtp.waitFor(
      (m) => m.envelopeTo.includes('review@example.com') && /rejected/.test(m.subject ?? ''),
    )
    expect(mail.text).toContain('Comments on single intervals:')
    expect(mail.text).toContain('02:00 A–02:15: Should be 0 (summer time hour)')
    expect(mail.text).toContain('02:00 B–02:15: Should be 0 too')

    const farma = await customer()
    const day = await farma.get(`/services/pgb/units/${unitId}/days/${AUTUMN}`)
    const warning = day.text.slice(day.text.indexOf('data-testid="interval-comments"'))
    expect(warning).toContain(
      '<a class="govuk-link" href="#v9">02:00 A–02:15</a>: <span class="kb-pre">Should be 0 (summer time hour)</span>',
    )
    expect(warning).toContain('<a class="govuk-link" href="#v13">02:00 B–02:15</a>')
    const versions = await farma.get(`/services/pgb/units/${unitId}/days/${AUTUMN}/versions`)
    expect(versions.text).toContain('data-testid="interval-comments-1"')
    expect(versions.text).toContain('02:00 B–02:15: <span class="kb-pre">Should be 0 too</span>')
    // The reviewed page shows the decision's comments, no longer a form.
    const after = await env.admin.get(`/admin/generation/schedules/${scheduleId}`)
    expect(after.text).not.toContain('<input class="govuk-input" id="note-9"')
    expect(after.text).toContain(
      '<span class="kb-pre" data-testid="note-9">Should be 0 (summer time hour)</span>',
    )

    // Corrected and approved again: the new version has no comments, and accepting keeps none.
    const corrected = Array.from({ length: 100 }, (_, i) => (i >= 8 && i < 16 ? 0 : (i % 10) * 10))
    expect((await postDay(farma, unitId, AUTUMN, gridForm(corrected, 'approve', 1))).status).toBe(303)
    expect(
      (
        await env.admin.post(`/admin/generation/schedules/${scheduleId}`, {
          to: 'accepted',
          version: '2',
          'note-9': 'ignored on acceptance',
        })
      ).status,
    ).toBe(303)
    expect((await stored(unitId)).map((v) => [v.version, v.status, v.interval_comments])).toEqual([
      [1, 'superseded', { '9': 'Should be 0 (summer time hour)', '13': 'Should be 0 too' }],
      [2, 'accepted', null],
    ])
    expect((await farma.get(`/services/pgb/units/${unitId}/days/${AUTUMN}`)).text).not.toContain(
      'data-testid="interval-comments"',
    )
  })
})
