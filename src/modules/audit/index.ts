import path from 'node:path'
import type { KabinetModule } from '../../module.ts'
import { auditAdminRoutes } from './admin.routes.ts'

/** The tenant's audit log page (administrators). */
export const auditModule: KabinetModule = {
  name: 'audit',
  catalogues: path.join(import.meta.dirname, 'locales'),
  adminNav: [{ href: '/admin/audit', label: 'audit.title', adminOnly: true }],
  routes: auditAdminRoutes,
}
