export const APPLICATION_QUEUES = {
  unreadMessages: 'applications.unread-messages',
} as const
