import type { Logger } from '../../app/logger.ts'
import type { CommandPipeline } from '../../command/CommandPipeline.ts'
import type { Db } from '../../db/openDatabase.ts'
import type { PostedMessage } from '../../governance/proposalMessages.ts'

export interface InteractionDeps {
  pipeline: CommandPipeline
  db: Db
  logger: Logger
  clock: () => number
  /** A handler still running after this long is deferred first (Discord allows 3 s to acknowledge). */
  deferAfterMs: number
  /** Told where a live reply (a proposal with vote buttons) was posted in a channel, to refresh it later. */
  onLivePost?: (posted: PostedMessage) => void
}
