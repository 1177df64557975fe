/** An error we anticipated. `message` is for operators (logs); `userMessage`,
 *  when present, is the one sentence a chat user may see. */
export class AppError extends Error {
  readonly code: string
  readonly userMessage?: string

  constructor(message: string, options: { code: string; userMessage?: string; cause?: unknown }) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.code = options.code
    this.userMessage = options.userMessage
  }
}

/** Thrown when the user caused the failure; its message is shown as-is. */
export class UserError extends AppError {
  constructor(userMessage: string, code = 'USER_ERROR') {
    // A user's mistake needs no stack; capturing one is the costliest part of a bad command.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(userMessage, { code, userMessage })
    Error.stackTraceLimit = limit
  }
}

export function userMessageOf(error: unknown): string | undefined {
  return error instanceof AppError ? error.userMessage : undefined
}
