/**
 * `npm run simulator`: the back-office simulator on SIMULATOR_PORT (default 4010) of
 * SIMULATOR_HOST (default 127.0.0.1), with
 * the demo AMR users printed for whoever tries the portal's AMR page against it.
 */
import { DEMO_AMR_ACCOUNTS, SIMULATOR_PORT } from './amr.ts'
import { DEMO_METERING_ACCOUNTS } from './customers.ts'
import { startSimulator } from './server.ts'

const port = Number(process.env.SIMULATOR_PORT ?? SIMULATOR_PORT)
// In a container it must listen beyond loopback: SIMULATOR_HOST=0.0.0.0.
const { server, url } = await startSimulator(port, {
  host: process.env.SIMULATOR_HOST ?? '127.0.0.1',
  onWebhook: (w) => process.stdout.write(`webhook ${w.event ?? '?'} ${w.delivery ?? '?'} at ${w.path}\n`),
})
const lines = [
  `Back-office simulator on ${url}`,
  '  AMR head-end: GET /amr/80020?day=YYYY-MM-DD (HTTP Basic)',
]
for (const a of DEMO_AMR_ACCOUNTS)
  lines.push(
    `    ${a.login} / ${a.password}  (${a.meters.length} meter${a.meters.length === 1 ? '' : 's'}, ${a.encoding}${a.declaration ? '' : ', no declaration'})`,
  )
lines.push('  Customer system: POST /customers/metering-points (JSON account and query password)')
for (const a of DEMO_METERING_ACCOUNTS)
  lines.push(`    ${a.account} / ${a.password}  (${a.customer}, ${a.points.length} metering points listed)`)
lines.push(
  `  Your system's webhook receiver: POST ${url}/webhooks (any path below), GET /webhooks shows the latest`,
)
process.stdout.write(`${lines.join('\n')}\n`)
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => server.close(() => process.exit(0)))
