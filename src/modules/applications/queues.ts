export const APPLICATION_QUEUES = {
  unreadMessages: 'applications.unread-messages',
  completeReminders: 'applications.complete-reminders',
  /** A submission's receipt and email, made after the submission commits. */
  receipts: 'applications.receipts',
} as const
