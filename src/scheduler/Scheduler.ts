import { randomBytes } from 'node:crypto'
import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from '../app/logger.ts'

/** node-cron jobs with one error boundary each and no overlapping runs. */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = []
  private readonly running = new Set<Promise<unknown>>()

  constructor(private readonly logger: Logger) {}

  add(name: string, expression: string, job: () => Promise<unknown> | unknown): void {
    const task = cron.schedule(expression, () => this.runOnce(name, job), { name, timezone: 'UTC', noOverlap: true })
    this.tasks.push(task)
  }

  /** Runs a job now, through the same error boundary (admin commands, catch-up). */
  async runOnce(name: string, job: () => Promise<unknown> | unknown): Promise<void> {
    const run = (async () => {
      try {
        await job()
      } catch (error) {
        const ref = randomBytes(3).toString('hex')
        this.logger.error({ err: error, ref, job: name }, 'scheduled job failed')
      }
    })()
    this.running.add(run)
    await run
    this.running.delete(run)
  }

  async stop(): Promise<void> {
    for (const task of this.tasks) await task.stop()
    await Promise.all(this.running)
  }
}
