import { AppError, UserError } from '../errors/AppError.ts'

/** The operator typed something the agent cannot use (flags, key file, --gpus).
 *  main prints the sentence and the usage, and exits with code 2. */
export class AgentUsageError extends UserError {
  constructor(message: string) {
    super(message, 'AGENT_USAGE')
  }
}

/** The machine's GPUs could not be read; the sentence says what to do instead. */
export class GpuDetectionError extends UserError {
  constructor(message: string) {
    super(message, 'GPU_DETECTION')
  }
}

/** The state file exists but cannot be used; the agent refuses to guess. */
export class StateFileError extends UserError {
  constructor(message: string) {
    super(message, 'STATE_FILE')
  }
}

/** The coordinator refused a request (4xx). Such a request is never retried:
 *  the same bytes would be refused again. `message` is the coordinator's own
 *  sentence when it sent one. */
export class AgentRequestError extends AppError {
  readonly status: number
  readonly method: string
  readonly path: string

  constructor({ status, code, method, path, sentence }: { status: number; code?: string; method: string; path: string; sentence?: string }) {
    super(sentence ?? `The coordinator answered ${status} to ${method} ${path}.`, { code: code ?? `HTTP_${status}`, userMessage: sentence })
    this.status = status
    this.method = method
    this.path = path
  }
}

/** The coordinator never answered at all: most likely a wrong --coordinator. */
export class CoordinatorUnreachableError extends UserError {
  constructor(url: string, reason: string, windowMs: number) {
    super(`The coordinator at ${url} did not answer for ${Math.round(windowMs / 1000)} s (${reason}); check --coordinator and that the coordinator is running.`, 'COORDINATOR_UNREACHABLE')
  }
}

/** A request given up because the agent is shutting down. */
export class AgentAbortedError extends AppError {
  constructor(method: string, path: string) {
    super(`${method} ${path} was abandoned because the agent is stopping.`, { code: 'AGENT_ABORTED' })
  }
}
