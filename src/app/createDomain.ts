import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { DepositWatcher } from '../chain/DepositWatcher.ts'
import { PayoutSender } from '../chain/PayoutSender.ts'
import type { Db, Sqlite } from '../db/openDatabase.ts'
import { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { WalletLinking } from '../identity/WalletLinking.ts'
import { Ledger } from '../ledger/Ledger.ts'
import { TokenUnits } from '../ledger/TokenUnits.ts'
import { MarketService } from '../market/MarketService.ts'
import { Bonds } from '../market/Bonds.ts'
import { NodeRegistry } from '../market/NodeRegistry.ts'
import { ProviderListing } from '../market/ProviderListing.ts'
import { Rentals } from '../market/Rentals.ts'
import { Slashing } from '../market/Slashing.ts'
import { ComputeChallenges } from '../market/verification/ComputeChallenges.ts'
import { providerUnlinkBlocker } from '../market/providerUnlinkBlocker.ts'
import type { Config } from './config.ts'
import type { ConnectedChain } from './connectChain.ts'
import type { Logger } from './logger.ts'
import { SecretBox } from './SecretBox.ts'
import type { Services } from './Services.ts'
import { NotificationSettings } from '../notify/NotificationSettings.ts'
import { AvailabilityAlerts } from '../notify/AvailabilityAlerts.ts'
import { Epochs } from '../rewards/Epochs.ts'
import { RewardsService } from '../rewards/RewardsService.ts'
import { RenewableAttestations } from '../rewards/RenewableAttestations.ts'
import { Governance } from '../governance/Governance.ts'
import { Solvency } from '../solvency/Solvency.ts'
import { SshKeys } from '../identity/SshKeys.ts'
import { SpendLimits } from '../market/SpendLimits.ts'
import { RentalReminders } from '../market/rentalReminders.ts'

export const CLAIM_TIMEOUT_MS = 3 * 60_000

/** Builds the domain services over one database and chain; no I/O starts here. */
export function createDomain({ config, db, sqlite, chain, logger, clock }: { config: Config; db: Db; sqlite: Sqlite; chain: ConnectedChain; logger: Logger; clock: () => number }) {
  const ledger = new Ledger(db)
  const units = new TokenUnits(chain.symbol, chain.decimals)
  const params = new ProtocolParameters(db)
  const secrets = SecretBox.fromKeyFile(join(config.DATA_DIR, 'secret.key'))
  const linking = new WalletLinking({
    db,
    ledger,
    units,
    clock,
    publicUrl: config.PUBLIC_URL,
    chainId: chain.chainId,
    verifySiweMessage: (params) => chain.publicClient.verifySiweMessage(params),
    unlinkBlocker: (_accountId, address) => providerUnlinkBlocker(db, address),
  })
  const payouts = new PayoutSender({
    db,
    ledger,
    units,
    publicClient: chain.publicClient,
    walletClient: chain.walletClient,
    logger,
    clock,
    token: chain.token,
    confirmations: Math.max(1, chain.confirmations),
    explorerUrl: config.EXPLORER_URL,
    disperse: chain.disperse,
    publicUrl: config.PUBLIC_URL,
  })
  const deposits = new DepositWatcher({
    db,
    ledger,
    units,
    publicClient: chain.publicClient,
    logger,
    clock,
    token: chain.token,
    treasury: chain.treasury,
    confirmations: chain.confirmations,
  })
  deposits.initCursor(chain.scanFrom)
  const alerts = new AvailabilityAlerts({ db, units, clock })
  const onCapacity = (nodeId: string) => void alerts.evaluateNode(nodeId)
  // SIMULATED_PROVIDERS=allow|deny; unset: declared inventories list only on the embedded dev chain.
  const simulatedProviders = (config as { SIMULATED_PROVIDERS?: 'allow' | 'deny' }).SIMULATED_PROVIDERS
  const listing = new ProviderListing({
    db,
    ledger,
    params,
    units,
    clock,
    simulatedAllowed: simulatedProviders ? simulatedProviders === 'allow' : chain.devChain,
    // After the listing's transaction commits: alerts read what it wrote.
    onSearchable: (nodeId) => void setImmediate(() => onCapacity(nodeId)),
  })
  const registry = new NodeRegistry({ db, units, clock, heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_S * 1000, openSecret: (s) => secrets.open(s), onCapacity, listing })
  const slashing = new Slashing({ db, ledger, units, params, clock, listing })
  const challenges = new ComputeChallenges({
    db,
    params,
    listing,
    clock,
    randomBytes,
    simulatedAllowed: simulatedProviders ? simulatedProviders === 'allow' : chain.devChain,
    onFraud: (nodeId, reason, challengeId) => void slashing.slashForFraud({ nodeId, reason, challengeId }),
  })
  const bonds = new Bonds({ db, ledger, units, params, clock, listing })
  const rentals = new Rentals({ db, ledger, units, params, secrets, clock, logger, claimTimeoutMs: CLAIM_TIMEOUT_MS, onCapacity, slashing })
  const market = new MarketService(db, sqlite, registry, rentals, bonds, slashing)
  const rentalReminders = new RentalReminders({ db, units, rentals, clock, logger })
  const solvency = new Solvency({ db, publicClient: chain.publicClient, token: chain.token, treasury: chain.treasury, units, clock, randomBytes, logger, publicUrl: config.PUBLIC_URL, adminIds: config.ADMIN_IDS })
  const epochs = new Epochs({ db, ledger, units, params, clock, logger, epochCron: config.EPOCH_CRON, publicUrl: config.PUBLIC_URL, solvency })
  const rewards = new RewardsService(db, epochs)
  const attestations = new RenewableAttestations({ db, params, clock })
  const governance = new Governance({
    db,
    clock,
    logger,
    units,
    params,
    secrets,
    publicClient: chain.publicClient,
    token: chain.token,
    publicUrl: config.PUBLIC_URL,
    snapshot: config.SNAPSHOT_HUB_URL && config.SNAPSHOT_SPACE ? { hubUrl: config.SNAPSHOT_HUB_URL, space: config.SNAPSHOT_SPACE, sequencerUrl: config.SNAPSHOT_SEQUENCER_URL } : undefined,
  })
  const services: Services = {
    publicUrl: config.PUBLIC_URL,
    units,
    ledger,
    linking,
    payouts,
    market,
    params,
    notifications: new NotificationSettings(db, clock),
    alerts,
    rewards,
    governance,
    solvency,
    sshKeys: new SshKeys({ db, clock }),
    spendLimits: new SpendLimits({ db, units, clock }),
    chain: { chainId: chain.chainId, token: chain.token, treasury: chain.treasury, confirmations: chain.confirmations, devChain: chain.devChain },
  }
  return { services, solvency, attestations, governance, epochs, alerts, ledger, units, params, secrets, linking, payouts, deposits, registry, rentals, rentalReminders, market, listing, bonds, slashing, challenges }
}

export type Domain = ReturnType<typeof createDomain>
