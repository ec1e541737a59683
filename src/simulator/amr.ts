import { createHash } from 'node:crypto'
import { encodeWindows1251 } from './windows1251.ts'

/** Where `npm start` (development) and `npm run simulator` serve the simulator by default. */
export const SIMULATOR_PORT = 4010
export const SIMULATOR_URL = `http://127.0.0.1:${SIMULATOR_PORT}`

/** An AMR user of the simulated head-end, and how its documents are written. */
export interface AmrAccount {
  login: string
  password: string
  encoding: 'utf-8' | 'windows-1251'
  /** Whether the document declares its encoding (real windows-1251 files often do not). */
  declaration: boolean
  /** Decimal commas instead of points, as some metering software writes them. */
  decimalComma: boolean
  object: string
  meters: { code: string; name: string; minutes: 30 | 60 }[]
}

/** The demo head-end's users (printed when the simulator starts; the `ru` demo points at it). */
export const DEMO_AMR_ACCOUNTS: readonly AmrAccount[] = [
  {
    login: 'askue-demo',
    password: 'askue-demo-2026',
    encoding: 'windows-1251',
    declaration: false,
    decimalComma: true,
    object: 'Жилой дом, ул. Ленина, 12',
    meters: [
      { code: '131150001113003', name: 'Счётчик ввода 1', minutes: 30 },
      { code: '131150001113004', name: 'Счётчик ввода 2', minutes: 60 },
    ],
  },
  {
    login: 'askue-utf8',
    password: 'askue-utf8-2026',
    encoding: 'utf-8',
    declaration: true,
    decimalComma: false,
    object: 'Склад, Промышленная ул., 3',
    meters: [{ code: '131150001113101', name: 'ПУ склада', minutes: 30 }],
  },
]

/** Channels 01–04: A+, A−, R+, R−. */
const CHANNELS = [
  ['01', 'A+'],
  ['02', 'A-'],
  ['03', 'R+'],
  ['04', 'R-'],
] as const

/** A deterministic value of a meter's channel in one period (kWh or kvarh, three decimals). */
function valueOf(meter: string, channel: string, day: string, period: number): string {
  const digest = createHash('sha256').update(`${meter}/${channel}/${day}/${period}`).digest()
  const scale = channel === '01' ? 40 : channel === '03' ? 12 : 3
  return ((digest.readUInt32BE(0) / 0xffffffff) * scale).toFixed(3)
}

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`

/**
 * A day's 80020 document for an account, as bytes in the account's encoding. The second
 * meter of an account misses two periods (an incomplete day: empty values, never zeros).
 */
export function document80020(account: AmrAccount, day: string, now: Date): Uint8Array {
  const compact = day.replaceAll('-', '')
  const timestamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  const points = account.meters.map((meter, m) => {
    const channels = CHANNELS.map(([code, desc]) => {
      const periods: string[] = []
      for (let start = 0, i = 0; start < 1440; start += meter.minutes, i++) {
        const missing = m === 1 && (i === 10 || i === 11)
        const raw = valueOf(meter.code, code, day, i)
        const value = account.decimalComma ? raw.replace('.', ',') : raw
        periods.push(
          `<period start="${hhmm(start)}" end="${hhmm(start + meter.minutes)}">${
            missing ? '<value status="1"></value>' : `<value status="0">${value}</value>`
          }</period>`,
        )
      }
      return `      <measuringchannel code="${code}" desc="${desc}">${periods.join('')}</measuringchannel>`
    })
    return `    <measuringpoint code="${meter.code}" name="${meter.name}">\n${channels.join('\n')}\n    </measuringpoint>`
  })
  const declaration = account.declaration
    ? `<?xml version="1.0" encoding="${account.encoding}"?>`
    : '<?xml version="1.0"?>'
  const text = `${declaration}
<message class="80020" version="2" number="1">
  <datetime><timestamp>${timestamp}</timestamp><daylightsavingtime>0</daylightsavingtime><day>${compact}</day></datetime>
  <sender><name>АСКУЭ (симулятор)</name><inn>7700000000</inn></sender>
  <area timezone="1"><name>${account.object}</name><inn>7700000001</inn>
${points.join('\n')}
  </area>
</message>
`
  return account.encoding === 'utf-8' ? new TextEncoder().encode(text) : encodeWindows1251(text)
}
