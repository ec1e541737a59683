import type { SessionData } from 'express-session'
import type { Knex } from 'knex'
import type { RequestContext } from './context.ts'

/**
 * What one module tells the others, delivered inside the transaction that did it: what a
 * subscriber writes commits or rolls back with the change itself, and nothing has to be
 * caught up later (on a read) because an event was missed.
 */
export interface DomainEventMap {
  /** A service token was used: the enrolment now belongs to this customer. */
  'enrolment.redeemed': { enrolmentId: string; customerId: string; service: string }
  /**
   * A customer was written to about their affairs in a service (`emailCustomer`): `copy`
   * sends the same message to another person, in that person's language.
   */
  /**
   * A customer is signing in: `keep` puts a module's own fields into the new session
   * (organisations: the account they last chose to act for, if they still may).
   */
  'customer.signingIn': { customerId: string; keep: (fields: Partial<SessionData>) => void }
  /**
   * Something happened in an account's affairs that its own programs may be told of (the
   * API's webhooks): `data` names what changed, in the API's words.
   */
  'account.changed': { accountId: string; type: AccountEventType; data: Record<string, unknown> }
  'customer.mailed': {
    customerId: string
    service: string
    copy: (contact: { email: string; locale: string | null }) => Promise<void>
  }
}

/** What an account's own programs may be told of (issue 22 item 8, webhooks). */
export const ACCOUNT_EVENTS = [
  'application.status_changed',
  'application.message',
  'schedule.decided',
  'reading.decided',
] as const
export type AccountEventType = (typeof ACCOUNT_EVENTS)[number]

export type DomainEventName = keyof DomainEventMap

export type DomainEventHandler<K extends DomainEventName> = (
  trx: Knex.Transaction,
  ctx: RequestContext,
  event: DomainEventMap[K],
) => Promise<void>

export interface DomainEvents {
  /** One handler per (event, subscriber): subscribing again replaces it. */
  on<K extends DomainEventName>(name: K, subscriber: string, handler: DomainEventHandler<K>): void
  emit<K extends DomainEventName>(
    trx: Knex.Transaction,
    ctx: RequestContext,
    name: K,
    event: DomainEventMap[K],
  ): Promise<void>
}

export function createDomainEvents(): DomainEvents {
  const handlers = new Map<DomainEventName, Map<string, DomainEventHandler<DomainEventName>>>()
  return {
    on(name, subscriber, handler) {
      const forName = handlers.get(name) ?? new Map<string, DomainEventHandler<DomainEventName>>()
      forName.set(subscriber, handler as DomainEventHandler<DomainEventName>)
      handlers.set(name, forName)
    },
    async emit(trx, ctx, name, event) {
      for (const handler of handlers.get(name)?.values() ?? []) await handler(trx, ctx, event)
    },
  }
}
