import type { CommandDefinition } from '../src/command/defineCommand.ts'
import balance from './balance.ts'
import deposit from './deposit.ts'
import help from './help.ts'
import link from './link.ts'
import unlink from './unlink.ts'
import verify from './verify.ts'
import wallet from './wallet.ts'
import withdraw from './withdraw.ts'

/** Every command, in /help order. Adding a command = one file + one line here. */
export const commandRegistry: readonly CommandDefinition[] = [help, balance, deposit, withdraw, link, verify, wallet, unlink]
