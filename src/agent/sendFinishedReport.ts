import type { Logger } from '../app/logger.ts'
import type { AgentClient } from './AgentClient.ts'
import { AgentAbortedError, AgentRequestError } from './AgentErrors.ts'
import type { PendingReport } from './AgentStateFile.ts'

/** Sends one rental's finished report. True when it is settled: taken, or
 *  refused in a way a resend would not change (already settled, not this
 *  node's); false when a later try might get through. */
export async function sendFinishedReport({ client, logger }: { client: Pick<AgentClient, 'finished'>; logger: Logger }, report: PendingReport, signal: AbortSignal): Promise<boolean> {
  try {
    await client.finished(report.rentalId, { outcome: report.outcome, ...(report.reason ? { reason: report.reason } : {}) }, signal)
    logger.info({ rentalId: report.rentalId, outcome: report.outcome }, 'rental finished')
  } catch (error) {
    if (error instanceof AgentAbortedError) return false
    if (!(error instanceof AgentRequestError)) {
      logger.error({ rentalId: report.rentalId, err: error }, 'finished report failed')
      return false
    }
    // 409: an earlier send got through though its answer was lost (a restart, a shutdown).
    if (error.status === 409) logger.info({ rentalId: report.rentalId, err: error }, 'the coordinator already had the rental finished')
    else logger.warn({ rentalId: report.rentalId, err: error }, 'the coordinator refused the finished report')
  }
  return true
}
