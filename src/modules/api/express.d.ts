import type { TokenRow } from './repo.ts'

declare global {
  namespace Express {
    interface Locals {
      /** The API token a request under /api came with, once the gate accepted it. */
      apiToken?: TokenRow
    }
  }
}

export {}
