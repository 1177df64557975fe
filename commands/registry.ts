import type { CommandDefinition } from '../src/command/defineCommand.ts'
import admin from './admin.ts'
import alert from './alert.ts'
import alerts from './alerts.ts'
import balance from './balance.ts'
import delegate from './delegate.ts'
import delegates from './delegates.ts'
import deposit from './deposit.ts'
import extend from './extend.ts'
import freeze from './freeze.ts'
import gpus from './gpus.ts'
import help from './help.ts'
import job from './job.ts'
import jobs from './jobs.ts'
import limits from './limits.ts'
import link from './link.ts'
import notify from './notify.ts'
import offers from './offers.ts'
import proposal from './proposal.ts'
import proposals from './proposals.ts'
import propose from './propose.ts'
import provider from './provider.ts'
import authorize from './authorize.ts'
import rent from './rent.ts'
import revoke from './revoke.ts'
import sshkey from './sshkey.ts'
import vote from './vote.ts'
import rewards from './rewards.ts'
import stop from './stop.ts'
import undelegate from './undelegate.ts'
import unfreeze from './unfreeze.ts'
import unlink from './unlink.ts'
import verify from './verify.ts'
import wallet from './wallet.ts'
import withdraw from './withdraw.ts'

/** Every command, in /help order. Adding a command = one file + one line here. */
export const commandRegistry: readonly CommandDefinition[] = [
  help,
  gpus,
  offers,
  rent,
  jobs,
  job,
  stop,
  extend,
  sshkey,
  balance,
  limits,
  deposit,
  withdraw,
  link,
  verify,
  wallet,
  unlink,
  freeze,
  unfreeze,
  proposals,
  proposal,
  vote,
  propose,
  delegate,
  undelegate,
  delegates,
  authorize,
  revoke,
  provider,
  rewards,
  alert,
  alerts,
  notify,
  admin,
]
