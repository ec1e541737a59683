import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import { saveSettings } from './service.ts'

/** The tenants module's services, built once when the app is assembled; handlers call them with the request context first. */
export function createTenantServices(deps: Deps) {
  return bindServices(deps, { saveSettings })
}

export type TenantServices = ReturnType<typeof createTenantServices>
