import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { AgentClient } from '../src/agent/AgentClient.ts'
import { readPrivateKeyFile } from '../src/agent/readPrivateKeyFile.ts'
import { sleep } from '../src/agent/sleep.ts'
import { AGENT_ROUTES, attestationMessage } from '../src/protocol/agentProtocol.ts'

/** Signs and submits a renewable-energy attestation for the provider's wallet:
 *  npm run --silent agent:attest -- --coordinator <url> --private-key-file <file>
 *    --source solar --reference <certificate or meter id> --evidence <file> [--days 365] [--attester-signature 0x…] */
const usage = 'Usage: npm run --silent agent:attest -- --coordinator <url> --private-key-file <file> --source <solar|wind|…> --reference <id> --evidence <file> [--days 365]\n'
let values
try {
  ;({ values } = parseArgs({
    options: {
      coordinator: { type: 'string' },
      'private-key-file': { type: 'string' },
      source: { type: 'string' },
      reference: { type: 'string' },
      evidence: { type: 'string' },
      days: { type: 'string', default: '365' },
      'attester-signature': { type: 'string' },
    },
  }))
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}`)
  process.exit(2)
}
if (!values.coordinator || !values['private-key-file'] || !values.source || !values.reference || !values.evidence || !/^\d+$/.test(values.days!)) {
  process.stderr.write(usage)
  process.exit(2)
}
const account = privateKeyToAccount(readPrivateKeyFile(values['private-key-file']).key)
const claim = {
  source: values.source,
  reference: values.reference,
  evidenceHash: `0x${createHash('sha256').update(readFileSync(values.evidence)).digest('hex')}`,
  validUntil: new Date(Date.now() + Number(values.days) * 86_400_000).toISOString(),
}
const signature = await account.signMessage({ message: attestationMessage({ provider: account.address, ...claim }) })
const client = new AgentClient({ coordinatorUrl: values.coordinator, signer: account, clock: Date.now, sleep, random: Math.random, logger: pino({ level: 'silent' }) })
try {
  const result = await client.request('POST', AGENT_ROUTES.attestations, { ...claim, signature, ...(values['attester-signature'] ? { attesterSignature: values['attester-signature'] } : {}) })
  process.stdout.write(`Recorded: ${JSON.stringify(result)}\n`)
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exit(1)
}
