import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { protocolParameters } from '../db/schema/parameters.ts'
import { UserError } from '../errors/AppError.ts'
import { PARAMETERS, type ParameterName } from './parameterDefinitions.ts'
import { echoInput } from '../errors/echoInput.ts'

export interface ParameterValue {
  name: ParameterName
  value: string
  setByProposal: string | null
  description: string
}

/** The one place running services read governed parameters from, so a passed
 *  proposal changes the fee, emission and multipliers everywhere at once. */
export class ProtocolParameters {
  // Compiled once: hot paths read parameters per operation (every rental confirm reads the image catalogue).
  private readonly readValue

  constructor(private readonly db: Db) {
    this.readValue = db.select({ value: protocolParameters.value }).from(protocolParameters).where(eq(protocolParameters.name, sql.placeholder('name'))).prepare()
  }

  get(name: ParameterName): string {
    const row = this.readValue.get({ name })
    return row?.value ?? PARAMETERS[name].default
  }

  getNumber(name: ParameterName): number {
    return Number(this.get(name))
  }

  getBigInt(name: ParameterName): bigint {
    return BigInt(this.get(name))
  }

  list(): ParameterValue[] {
    const rows = new Map(this.db.select().from(protocolParameters).all().map((r) => [r.name, r]))
    return (Object.keys(PARAMETERS) as ParameterName[]).map((name) => ({
      name,
      value: rows.get(name)?.value ?? PARAMETERS[name].default,
      setByProposal: rows.get(name)?.setByProposal ?? null,
      description: PARAMETERS[name].description,
    }))
  }

  /** Sets a parameter; call inside the transaction that records why (a passed proposal).
   *  @throws UserError for an unknown name or an invalid value */
  set(name: string, value: string, { setByProposal, now }: { setByProposal: string | null; now: number }): void {
    const checked = checkParameter(name, value)
    this.db
      .insert(protocolParameters)
      .values({ name: checked, value, setByProposal, updatedAt: now })
      .onConflictDoUpdate({ target: protocolParameters.name, set: { value, setByProposal, updatedAt: now } })
      .run()
  }
}

export function checkParameter(name: string, value: string): ParameterName {
  if (!Object.hasOwn(PARAMETERS, name)) throw new UserError(`There is no parameter ${echoInput(name)}; expected one of ${Object.keys(PARAMETERS).join(', ')}.`, 'UNKNOWN_PARAMETER')
  const problem = PARAMETERS[name as ParameterName].validate(value)
  if (problem) throw new UserError(`The value "${echoInput(value)}" for ${name} is not valid: ${problem}.`, 'BAD_PARAMETER')
  return name as ParameterName
}
