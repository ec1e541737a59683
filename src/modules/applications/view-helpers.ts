import { markup } from '../../http/markup.ts'

/** The GOV.UK tag colour of each status: where it stands at a glance, the same on every page. */
const TAG_COLOUR: Readonly<Record<string, string>> = {
  draft: 'grey',
  confirming: 'yellow',
  submitted: 'blue',
  inProgress: 'light-blue',
  contract: 'light-blue',
  works: 'light-blue',
  checking: 'light-blue',
  acts: 'light-blue',
  completed: 'green',
  returned: 'orange',
  rejected: 'red',
  withdrawn: 'grey',
}

/** What the module's views call on every row of a list (see `viewHelpers` in module.ts). */
export const applicationViewHelpers = {
  /** An application's status as a tag, in the reader's language. */
  applicationStatusTag: (t: (key: string) => string, status: string) =>
    markup`<strong class="govuk-tag govuk-tag--${TAG_COLOUR[status] ?? 'grey'}" data-testid="status">${t(`applications.statuses.${status}`)}</strong>`,
}
