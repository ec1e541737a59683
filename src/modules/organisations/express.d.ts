import type { Representation } from '../../platform/representation.ts'

declare global {
  namespace Express {
    interface Locals {
      /** Set while the signed-in person acts for another account: whose, and with which rights. */
      representation?: Representation
    }
  }
}

export {}
