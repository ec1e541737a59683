export const APPLICATION_QUEUES = {
  unreadMessages: 'applications.unread-messages',
  completeReminders: 'applications.complete-reminders',
} as const
