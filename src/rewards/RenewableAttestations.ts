import { and, eq, isNull } from 'drizzle-orm'
import { verifyMessage, type Address, type Hex } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { providers } from '../db/schema/market.ts'
import { renewableAttestations } from '../db/schema/rewards.ts'
import { AppError, UserError } from '../errors/AppError.ts'
import type { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { attestationBody, attestationMessage, parseAgentBody, type AttestationBody } from '../protocol/agentProtocol.ts'

/** Renewable-energy claims: signed by the provider's wallet, counter-signed by
 *  the DAO's attester when the `renewable_attester` parameter names one,
 *  time-limited and revocable. A current one earns the renewable multiplier. */
export class RenewableAttestations {
  constructor(private readonly deps: { db: Db; params: ProtocolParameters; clock: () => number }) {}

  /** @throws UserError for a bad signature, a past end or a missing counter-signature */
  async record(address: Address, input: AttestationBody): Promise<{ id: number; validUntil: string }> {
    const body = parseAgentBody(attestationBody, input)
    const { db, params, clock } = this.deps
    const validUntil = Date.parse(body.validUntil)
    if (validUntil <= clock()) throw new UserError('The attestation is already expired; expected a validUntil in the future.', 'EXPIRED')
    const message = attestationMessage({ provider: address, ...body })
    if (!(await verifyMessage({ address, message, signature: body.signature as Hex }))) {
      throw new UserError('The attestation signature is not the provider wallet\'s signature of the attestation text.', 'BAD_SIGNATURE')
    }
    const attester = params.get('renewable_attester')
    if (attester !== 'none') {
      const countersigned = body.attesterSignature && (await verifyMessage({ address: attester as Address, message, signature: body.attesterSignature as Hex }))
      if (!countersigned) throw new UserError(`The attestation needs a counter-signature by the DAO's attester ${attester}.`, 'NOT_COUNTERSIGNED')
    }
    const provider = db.select({ id: providers.id }).from(providers).where(eq(providers.address, address)).get()
    if (!provider) throw new UserError('Register a node before attesting its energy source.', 'NO_PROVIDER')
    const row = db
      .insert(renewableAttestations)
      .values({
        providerId: provider.id,
        source: body.source,
        reference: body.reference,
        evidenceHash: body.evidenceHash.toLowerCase(),
        providerSignature: body.signature,
        attesterSignature: body.attesterSignature ?? null,
        validUntil,
        createdAt: clock(),
      })
      .returning({ id: renewableAttestations.id })
      .get()
    return { id: row.id, validUntil: new Date(validUntil).toISOString() }
  }

  /** The provider itself, or an admin (address undefined), withdraws an attestation. */
  revoke(id: number, address?: Address): void {
    const { db, clock } = this.deps
    const row = db
      .select({ id: renewableAttestations.id, address: providers.address })
      .from(renewableAttestations)
      .innerJoin(providers, eq(providers.id, renewableAttestations.providerId))
      .where(and(eq(renewableAttestations.id, id), isNull(renewableAttestations.revokedAt)))
      .get()
    if (!row) throw new UserError(`There is no active attestation ${id}.`, 'NOT_FOUND')
    if (address && row.address !== address) throw new AppError('foreign attestation', { code: 'FORBIDDEN', userMessage: `Attestation ${id} is another provider's.` })
    db.update(renewableAttestations).set({ revokedAt: clock() }).where(eq(renewableAttestations.id, id)).run()
  }
}
