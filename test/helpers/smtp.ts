import type { AddressInfo } from 'node:net'
import PostalMime, { type Email } from 'postal-mime'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail extends Email {
  envelopeTo: string[]
  raw: string
}

export interface SmtpSink {
  url: string
  messages: ReceivedMail[]
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>
  close(): Promise<void>
}

/** A real SMTP server in the test process; nodemailer talks to it over TCP. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        PostalMime.parse(raw)
          .then((email) => {
            messages.push({ ...email, raw, envelopeTo: session.envelope.rcptTo.map((r) => r.address) })
            callback()
          })
          .catch((err: Error) => callback(err))
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const hit = messages.find(predicate)
        if (hit) return hit
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`no matching email within ${timeoutMs} ms (received ${messages.length})`)
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
