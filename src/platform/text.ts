/**
 * Control characters have no place in what people type: NUL is refused by Postgres (a 500
 * instead of a message), and the others hide text or break exports. Multi-line texts keep
 * newlines and tabs.
 */
// eslint-disable-next-line no-control-regex
export const SINGLE_LINE = /^[^\u0000-\u001f\u007f]*$/
// eslint-disable-next-line no-control-regex
export const MULTI_LINE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/

/** The i18n key of the field message for either. */
export const CONTROL_CHARACTERS = 'errors.controlCharacters'
