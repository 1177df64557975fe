import type { CommandContext } from './CommandContext.ts'
import type { CommandInfo } from './CommandInfo.ts'
import type { OptionDefinitions, OptionValues } from './options.ts'
import type { Reply } from './reply.ts'

export type ActionHandler = (payload: any, ctx: CommandContext) => Reply | Promise<Reply>

/** A command's handler and buttons; what it is called and takes lives in CommandInfo. */
export interface CommandDefinition<O extends OptionDefinitions = OptionDefinitions> extends CommandInfo<O> {
  run(args: OptionValues<O>, ctx: CommandContext): Reply | Promise<Reply>
  /** Button handlers by full action name, e.g. 'rent.confirm'. */
  actions?: Record<string, ActionHandler>
}

export function defineCommand<const O extends OptionDefinitions>(command: CommandDefinition<O>): CommandDefinition {
  if (!/^[a-z0-9_]{1,32}$/.test(command.name)) throw new Error(`command name ${command.name} is not valid on every platform`)
  if (command.description.length > 100) throw new Error(`command ${command.name}: description over 100 characters`)
  for (const [name, option] of Object.entries(command.options)) {
    if (!/^[a-z0-9_]{1,32}$/.test(name)) throw new Error(`command ${command.name}: option name ${name} is not valid`)
    if (option.description.length > 100) throw new Error(`command ${command.name}: option ${name} description over 100 characters`)
  }
  return command as unknown as CommandDefinition
}
