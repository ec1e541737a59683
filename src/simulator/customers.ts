/**
 * The utility's customer (marketing) system, as a power user's trading registration asks
 * it (seed 003): an account number and the query password the local supply office gave
 * the customer answer the metering points of that account. A point supplied under two
 * contracts is listed twice, as real systems do — the portal merges it.
 */
export interface MeteringAccount {
  account: string
  password: string
  customer: string
  points: { code: string; name: string; address: string; voltageLevel: string }[]
}

/** The demo customer system's accounts (printed when the simulator starts; the `cn` demo points at it). */
export const DEMO_METERING_ACCOUNTS: readonly MeteringAccount[] = [
  {
    account: '4200123456',
    password: '852741',
    customer: '湖北清江发电有限公司',
    points: [
      { code: '4201000123001', name: '一号厂房', address: '宜昌市长阳县清江路1号', voltageLevel: '10kV' },
      { code: '4201000123002', name: '二号厂房', address: '宜昌市长阳县清江路1号', voltageLevel: '10kV' },
      // The same point again, under a second supply contract.
      { code: '4201000123001', name: '一号厂房', address: '宜昌市长阳县清江路1号', voltageLevel: '10kV' },
      { code: '4201000123003', name: '办公楼', address: '宜昌市长阳县清江路3号', voltageLevel: '0.4kV' },
    ],
  },
]

/** The answer to a query: the account's points, or null when the account and password do not match. */
export function meteringPointsOf(
  accounts: readonly MeteringAccount[],
  account: string,
  password: string,
): Pick<MeteringAccount, 'customer' | 'points'> | null {
  const found = accounts.find((a) => a.account === account)
  if (!found || found.password.length !== password.length || found.password !== password) return null
  return { customer: found.customer, points: found.points }
}
