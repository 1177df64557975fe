import type { CommandDefinition } from '../src/command/defineCommand.ts'
import help from './help.ts'

/** Every command, in /help order. Adding a command = one file + one line here. */
export const commandRegistry: readonly CommandDefinition[] = [help]
