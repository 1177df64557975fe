/** Typed command options, declared once and rendered by every adapter
 *  (Discord option types, Telegram's positional words, the console). */
interface OptionBase {
  description: string
  required?: boolean
  /** Name of an autocomplete source (e.g. 'gpuModels'); adapters that can, offer it. */
  autocomplete?: string
  /** How the expected value looks, for error messages, e.g. 'a GPU model such as H100-80GB'. */
  expected?: string
  /** Another option that, typed by name, stands in for this one: plain words then skip this
   *  one (`/rent node:n3k9q 4` fills hours, not model). */
  replacedBy?: string
}

export interface StringOption extends OptionBase {
  type: 'string'
  /** Takes every remaining word (last option only). */
  rest?: boolean
  /** How many of the next typed words make one value (a model written "RTX 4090"); one when absent. */
  words?: (words: readonly string[]) => number
  maxLength?: number
  default?: string
}
export interface IntegerOption extends OptionBase {
  type: 'integer'
  min?: number
  max?: number
  default?: number
}
export interface NumberOption extends OptionBase {
  type: 'number'
  min?: number
  max?: number
  default?: number
}
export interface BooleanOption extends OptionBase {
  type: 'boolean'
  default?: boolean
}
export interface ChoiceOption<C extends string = string> extends OptionBase {
  type: 'choice'
  choices: readonly C[]
  default?: C
}

export type OptionDefinition = StringOption | IntegerOption | NumberOption | BooleanOption | ChoiceOption
export type OptionDefinitions = Record<string, OptionDefinition>

type ValueOf<O extends OptionDefinition> = O extends ChoiceOption<infer C>
  ? C
  : O extends IntegerOption | NumberOption
    ? number
    : O extends BooleanOption
      ? boolean
      : string

type IsAlwaysSet<O> = O extends { required: true } ? true : O extends { default: unknown } ? true : false

export type OptionValues<O extends OptionDefinitions> = {
  [K in keyof O]: IsAlwaysSet<O[K]> extends true ? ValueOf<O[K]> : ValueOf<O[K]> | undefined
}

export const opt = {
  string: <const T extends Omit<StringOption, 'type'>>(o: T) => ({ ...o, type: 'string' as const }),
  integer: <const T extends Omit<IntegerOption, 'type'>>(o: T) => ({ ...o, type: 'integer' as const }),
  number: <const T extends Omit<NumberOption, 'type'>>(o: T) => ({ ...o, type: 'number' as const }),
  boolean: <const T extends Omit<BooleanOption, 'type'>>(o: T) => ({ ...o, type: 'boolean' as const }),
  choice: <const C extends string, const T extends Omit<ChoiceOption<C>, 'type'>>(o: T & { choices: readonly C[] }) => ({
    ...o,
    type: 'choice' as const,
  }),
}
