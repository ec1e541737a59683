/** A start-up problem an operator can act on; its message is the one line we print. */
export class StartupError extends Error {}
