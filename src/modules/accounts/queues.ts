/** The accounts module's job queues (see KabinetModule.queues). */
export const ACCOUNT_QUEUES = {
  passwordResetRequest: 'accounts.password-reset-request',
  purgePendingAccounts: 'accounts.purge-pending',
} as const
