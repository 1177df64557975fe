/** The only error whose text an HTTP client ever sees; anything else is a plain 500 with a ref. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429,
    message: string,
    readonly code = 'BAD_REQUEST',
  ) {
    super(message)
  }
}
