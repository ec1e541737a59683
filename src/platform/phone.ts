import { parsePhoneNumberFromString } from 'libphonenumber-js'

/**
 * A stored E.164 number as people read it ("+48 512 345 678", not "+48512345678");
 * anything that does not parse is shown as it is.
 */
export function formatPhone(value: string | null | undefined): string {
  if (!value) return ''
  return parsePhoneNumberFromString(value)?.formatInternational() ?? value
}
