import type { OperatorRow } from './repo.ts'

declare global {
  namespace Express {
    interface Locals {
      /** The signed-in operator (requireOperator in auth.ts). */
      operator?: OperatorRow
    }
  }
}

export {}
