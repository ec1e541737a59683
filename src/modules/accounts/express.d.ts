import type { CustomerRow } from './repo.ts'

declare global {
  namespace Express {
    interface Locals {
      /** The signed-in customer (loadCustomer in session.ts). */
      customer?: CustomerRow
      /**
       * The person signed in: the same as `customer`, unless they act for another account
       * (organisations), when `customer` is that account. Profile, password and email are the person's.
       */
      person?: CustomerRow
      customerName?: string
      /** The row of the account the session says the person acts for, loaded with theirs (not yet checked). */
      actingAccount?: CustomerRow
    }
  }
}

export {}
