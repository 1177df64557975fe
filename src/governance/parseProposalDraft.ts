import { AppError, UserError } from '../errors/AppError.ts'
import { checkParameter } from './ProtocolParameters.ts'
import type { ParameterName } from './parameterDefinitions.ts'
import { VOTING_TYPES, votingTypeOf, type VotingType } from './votingTypes.ts'

/** What /propose typed, as text: every field is checked here so that all
 *  bad fields are named at once, one sentence each. */
export interface ProposalFields {
  title?: string
  body?: string
  choices?: string
  type?: string
  /** Hours of voting. */
  duration?: string
  /** Hours from now until voting opens. */
  delay?: string
  /** Block whose balances count; the current block when absent. */
  snapshot?: string
  /** One parameter change, name=value. */
  param?: string
}

export interface ProposalDraft {
  title: string
  body: string
  choices: string[]
  type: VotingType
  startAt: number
  endAt: number
  snapshotBlock?: number
  param?: { name: ParameterName; value: string }
}

export const DEFAULT_CHOICES = ['For', 'Against', 'Abstain']
export const MAX_DURATION_HOURS = 720
const MAX_CHOICES = 10

/** @throws UserError with one sentence per bad field, nothing created */
export function parseProposalDraft(fields: ProposalFields, now: number): ProposalDraft {
  const problems: string[] = []
  const title = (fields.title ?? '').trim()
  if (!title) problems.push('title is missing: give a short title such as title:"Raise the protocol fee to 4%".')
  else if (title.length > 120) problems.push(`title is ${title.length} characters; keep it to 120.`)

  const body = (fields.body ?? '').trim()
  if (body.length > 4000) problems.push(`body is ${body.length} characters; keep it to 4000.`)

  let type: VotingType = 'single-choice'
  if (fields.type !== undefined) {
    const known = votingTypeOf(fields.type.trim().toLowerCase())
    if (known) type = known
    else problems.push(`type "${fields.type.slice(0, 30)}" is not a voting type; expected one of ${VOTING_TYPES.join(', ')}.`)
  }

  let choices = DEFAULT_CHOICES
  if (fields.choices !== undefined) {
    choices = fields.choices
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean)
    const lower = choices.map((c) => c.toLowerCase())
    if (choices.length < 2) problems.push('choices needs at least two, separated by commas, e.g. choices:"For,Against,Abstain".')
    else if (choices.length > MAX_CHOICES) problems.push(`choices has ${choices.length}; at most ${MAX_CHOICES} are allowed.`)
    else if (new Set(lower).size !== choices.length) problems.push('choices has the same choice twice; give each once.')
    else if (choices.some((c) => c.length > 60)) problems.push('choices has one over 60 characters; keep each short.')
    else if (choices.some((c) => /^\d+$/.test(c) || /[:]/.test(c))) problems.push('choices must be words, not numbers or text with ":", so votes like 1:60 stay unambiguous.')
  }

  const duration = wholeHours(fields.duration, 'duration', 1, MAX_DURATION_HOURS, 72, problems)
  const delay = wholeHours(fields.delay, 'delay', 0, MAX_DURATION_HOURS, 0, problems)

  let snapshotBlock: number | undefined
  if (fields.snapshot !== undefined) {
    const text = fields.snapshot.trim()
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) problems.push(`snapshot "${text.slice(0, 30)}" is not a block number; expected a whole number such as 1234567.`)
    else snapshotBlock = Number(text)
  }

  let param: ProposalDraft['param']
  if (fields.param !== undefined) {
    const match = /^\s*([a-z0-9_]+)\s*=\s*(\S+)\s*$/i.exec(fields.param)
    if (!match) problems.push(`param "${fields.param.slice(0, 40)}" is not a change; expected name=value such as param:protocol_fee_bps=400.`)
    else {
      try {
        param = { name: checkParameter(match[1]!.toLowerCase(), match[2]!), value: match[2]! }
      } catch (error) {
        if (!(error instanceof AppError) || !error.userMessage) throw error
        problems.push(`param: ${error.userMessage}`)
      }
      if (param && choices[0]?.toLowerCase() !== 'for') {
        problems.push('choices must start with For when there is a param change: the change is made only if For wins.')
      }
    }
  }

  if (problems.length > 0) throw new UserError(problems.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('\n'), 'BAD_PROPOSAL')
  const startAt = now + delay * 3600_000
  return { title, body, choices, type, startAt, endAt: startAt + duration * 3600_000, snapshotBlock, param }
}

function wholeHours(text: string | undefined, name: string, min: number, max: number, fallback: number, problems: string[]): number {
  if (text === undefined || text.trim() === '') return fallback
  const clean = text.trim().replace(/h$/i, '')
  const n = Number(clean)
  if (!/^\d+$/.test(clean) || n < min || n > max) {
    problems.push(`${name} "${text.slice(0, 20)}" is not a number of hours; expected a whole number from ${min} to ${max}.`)
    return fallback
  }
  return n
}
