import { nextCronTime } from './cronTimes.ts'

/** `epoch_emission` is what one full scheduled epoch (one EPOCH_CRON period)
 *  emits. A shorter epoch — the first, which starts when the service first
 *  ran, or one closed early by /admin epoch close — emits the part of it
 *  matching its length, rounded down, so a two-minute epoch never pays a day's
 *  emission. The period is the one after the epoch's first scheduled close;
 *  an epoch is never paid more than one period's emission. */
export function epochEmission({ emission, epochCron, startsAt, endsAt }: { emission: bigint; epochCron: string; startsAt: number; endsAt: number }): bigint {
  const first = nextCronTime(epochCron, startsAt)
  const second = first === undefined ? undefined : nextCronTime(epochCron, first)
  if (first === undefined || second === undefined) return emission
  const period = second - first
  const length = Math.max(0, Math.min(endsAt - startsAt, period))
  return (emission * BigInt(length)) / BigInt(period)
}
