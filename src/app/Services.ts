import type { Address } from 'viem'
import type { PayoutSender } from '../chain/PayoutSender.ts'
import type { WalletLinking } from '../identity/WalletLinking.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import type { MarketService } from '../market/MarketService.ts'
import type { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import type { NotificationSettings } from '../notify/NotificationSettings.ts'
import type { AvailabilityAlerts } from '../notify/AvailabilityAlerts.ts'
import type { RewardsService } from '../rewards/RewardsService.ts'
import type { Governance } from '../governance/Governance.ts'
import type { Solvency } from '../solvency/Solvency.ts'
import type { SshKeys } from '../identity/SshKeys.ts'
import type { SpendLimits } from '../market/SpendLimits.ts'

export interface ChainSummary {
  chainId: number
  token: Address
  treasury: Address
  confirmations: number
  /** True for the embedded local chain. */
  devChain: boolean
}

/** The domain services command handlers may call, built in the composition
 *  root (src/app/createApp.ts). Handlers reach them as ctx.<name>. */
export interface Services {
  publicUrl: string
  units: TokenUnits
  ledger: Ledger
  linking: WalletLinking
  payouts: PayoutSender
  chain: ChainSummary
  market: MarketService
  params: ProtocolParameters
  notifications: NotificationSettings
  alerts: AvailabilityAlerts
  rewards: RewardsService
  governance: Governance
  solvency: Solvency
  sshKeys: SshKeys
  spendLimits: SpendLimits
}
