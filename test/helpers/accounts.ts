import type { TestApp } from './app.ts'
import { agentFor } from './agent.ts'
import type { SmtpSink, ReceivedMail } from './smtp.ts'

export function linkIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https?://[^\\s"<>]*${path}[^\\s"<>]*`).exec(mail.text ?? '')
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`)
  return match[0]
}

export const pathOf = (url: string) => new URL(url).pathname

/** Registers with a chosen password and confirms through the emailed link, as a user would. */
export async function registerConfirmed(
  t: TestApp,
  smtp: SmtpSink,
  host: string,
  email: string,
  password: string,
) {
  const agent = agentFor(t.app, host)
  await agent.get('/register/account')
  const res = await agent.post('/register/account', {
    category: 'individual',
    email,
    password,
    passwordConfirm: password,
    consent: 'yes',
  })
  if (res.status !== 303) throw new Error(`registration failed with ${res.status}`)
  const mail = await smtp.waitFor((m) => m.envelopeTo.includes(email) && /confirm/i.test(m.text ?? ''))
  const path = pathOf(linkIn(mail, '/confirm/'))
  await agent.get(path)
  const confirmed = await agent.post(path)
  if (confirmed.status !== 200) throw new Error(`confirmation failed with ${confirmed.status}`)
  return agentFor(t.app, host)
}

export async function signedIn(t: TestApp, host: string, login: string, password: string) {
  const agent = agentFor(t.app, host)
  await agent.get('/login')
  const res = await agent.post('/login', { login, password })
  if (res.status !== 303) throw new Error(`login failed with ${res.status}: ${res.text.slice(0, 200)}`)
  return agent
}
