import type { CustomerRow } from './repo.ts'

declare global {
  namespace Express {
    interface Locals {
      /** The signed-in customer (loadCustomer in session.ts). */
      customer?: CustomerRow
      customerName?: string
    }
  }
}

export {}
