import { addBusinessDays, businessDaysBetween, type WorkingCalendar } from '../../platform/calendar/index.ts'
import { addDays } from '../../platform/time/intervals.ts'
import type { TypeDefinition } from './definition.ts'

/** Steps of a workflow that may carry their own deadline: those staff work on after the review. */
export const DEADLINE_STEPS = ['contract', 'works', 'checking', 'acts'] as const
export type DeadlineStep = (typeof DEADLINE_STEPS)[number]

export interface Clock {
  /** The current step's deadline (the last day it may take), or none. */
  dueOn: string | null
  /** While returned to the customer: the review's working days left when the clock stopped. */
  pausedDays: number | null
}

/**
 * An application's clock after a move. The review (Submitted, then In progress) has the
 * type's review days on the working-day calendar from submission; it stops while the
 * application is returned to the customer and goes on from where it stood when they send
 * it again. A later step with a deadline in the type starts its own clock (working or
 * calendar days) when it is entered; any other step has none, so it is never overdue.
 */
export function clockAfterMove(
  definition: Pick<TypeDefinition, 'reviewDays' | 'deadlines'>,
  calendar: WorkingCalendar,
  today: string,
  move: { from: string; to: string },
  clock: Clock,
): Clock {
  if (move.to === 'submitted')
    return {
      dueOn: addBusinessDays(
        calendar,
        today,
        move.from === 'returned' && clock.pausedDays !== null ? clock.pausedDays : definition.reviewDays,
      ),
      pausedDays: null,
    }
  if (move.to === 'inProgress') return clock
  if (move.to === 'returned')
    return {
      dueOn: null,
      pausedDays: clock.dueOn ? Math.max(0, businessDaysBetween(calendar, today, clock.dueOn)) : null,
    }
  const step = definition.deadlines[move.to as DeadlineStep]
  if (!step) return { dueOn: null, pausedDays: null }
  return {
    dueOn: step.kind === 'working' ? addBusinessDays(calendar, today, step.days) : addDays(today, step.days),
    pausedDays: null,
  }
}
