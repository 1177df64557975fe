/** The mutation-testing scope (issue 17), module by module, each with the test
 *  files that exercise it. `npm run mutate` runs Stryker once per module with
 *  exactly these tests (MUTATE_TESTS), which is how docs/mutation.md's table is
 *  measured: the race tests reach their code through worker threads, which
 *  vitest's `related` cannot see. */
/** @typedef {{ mutate: string, tests: string[] }} MutationModule  `mutate`: a file or a glob */

/** @param {string} folder @param {string[]} names */
const t = (folder, names) => names.map((name) => `test/${folder}/${name}.test.ts`)

/** @type {MutationModule[]} */
export const MUTATION_MODULES = [
  { mutate: 'src/ledger/Ledger.ts', tests: t('ledger', ['Ledger', 'ledgerRows', 'concurrentWithdrawals']) },
  { mutate: 'src/ledger/checkLedger.ts', tests: t('ledger', ['Ledger', 'ledgerRows', 'concurrentWithdrawals', 'checkLedgerFindings']) },
  { mutate: 'src/ledger/LedgerErrors.ts', tests: t('ledger', ['Ledger', 'ledgerRows', 'checkLedgerFindings', 'balanceKeys']) },
  { mutate: 'src/ledger/balanceKeys.ts', tests: t('ledger', ['Ledger', 'ledgerRows', 'checkLedgerFindings', 'balanceKeys']) },
  { mutate: 'src/ledger/TokenUnits.ts', tests: [...t('ledger', ['TokenUnits', 'Ledger']), ...t('command', ['parseArguments'])] },
  { mutate: 'src/market/settlement.ts', tests: t('market', ['settlement', 'Rentals']) },
  {
    mutate: 'src/market/Rentals.ts',
    tests: t('market', ['Rentals', 'settlement', 'quotePriceMoves', 'concurrentConfirmRaces', 'selfRental', 'frozenAccount', 'autoExtend', 'SpendLimits', 'spendLimitLoosening', 'providerTrust', 'readyConnection', 'rentalReminders', 'rentalsConfirmBranches', 'rentalsLifecycleBranches']),
  },
  { mutate: 'src/market/Bonds.ts', tests: t('market', ['Bonds', 'Slashing', 'providerTrust', 'frozenAccount', 'bondsBranches']) },
  { mutate: 'src/market/Slashing.ts', tests: t('market', ['Slashing', 'Bonds', 'Rentals', 'providerTrust', 'slashingBranches']) },
  {
    mutate: 'src/market/verification/**/*.ts',
    tests: [...t('market/verification', ['ComputeChallenges', 'checkOpenedRow', 'verdictBranches', 'computeChallengesBranches']), ...t('agent', ['ChallengeWorker']), ...t('protocol', ['challengeMatrices', 'challengeMerkle'])],
  },
  { mutate: 'src/chain/PayoutSender.ts', tests: [...t('chain', ['PayoutSender', 'payoutRecovery', 'payoutSenderBranches']), ...t('rewards', ['rewardPayouts']), ...t('ledger', ['concurrentWithdrawals'])] },
  { mutate: 'src/chain/DepositWatcher.ts', tests: [...t('chain', ['DepositWatcher', 'depositWatcherBranches']), ...t('solvency', ['reserves'])] },
  {
    mutate: 'src/identity/WalletLinking.ts',
    tests: [
      ...t('identity', ['AccountSecurity', 'MergeRequests', 'WalletLinking', 'linkApi', 'mergeAccounts', 'securityCommands', 'walletLinkingBranches', 'depositClaimOnLink']),
      ...t('chain', ['DepositWatcher']),
    ],
  },
  { mutate: 'src/rewards/rewardFormula.ts', tests: t('rewards', ['rewardFormula', 'rewardFormulaBoundaries', 'epochMerkleOracle']) },
  {
    mutate: 'src/rewards/Epochs.ts',
    tests: [...t('rewards', ['Epochs', 'epochMerkleOracle', 'epochMessages', 'epochEmission', 'rewardPayouts', 'epochsBranches']), ...t('solvency', ['epochClose'])],
  },
  { mutate: 'src/governance/closeDueProposals.ts', tests: t('governance', ['closing', 'closingBranches', 'concurrentClosing', 'handTallies', 'tallyVotes']) },
  { mutate: 'src/governance/tallyVotes.ts', tests: t('governance', ['tallyVotes', 'handTallies', 'closing', 'closingBranches']) },
  { mutate: 'src/governance/parseVoteChoice.ts', tests: t('governance', ['parseVoteChoice', 'voting', 'handTallies', 'tallyVotes']) },
  { mutate: 'src/governance/VotingPower.ts', tests: t('governance', ['votingPower', 'votingPowerCache', 'voting', 'votingPowerChunks', 'votingPowerUnavailable']) },
  { mutate: 'src/http/agentRoutes.ts', tests: t('http', ['agentRoutes', 'agentReportsDisk', 'agentAuthBeforeBody', 'AgentSessions', 'agentRoutesBranches']) },
  { mutate: 'src/http/AgentSessions.ts', tests: t('http', ['agentRoutes', 'agentReportsDisk', 'agentAuthBeforeBody', 'AgentSessions']) },
  { mutate: 'src/notify/Notifier.ts', tests: t('notify', ['Notifier', 'notifierClaims', 'notifierFailures']) },
]
