import { privateKeyToAccount } from 'viem/accounts'
import { expect, test } from 'vitest'
import { bondDemoProviders, DEMO_PROVIDERS } from '../../src/app/startDemoProviders.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { available, bond } from '../../src/ledger/balanceKeys.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'

test('demo providers are bonded for their GPUs from the dev treasury, once, and list when verified', () => {
  const h = createMarketHarness()
  bondDemoProviders(h, h.clock.now)
  bondDemoProviders(h, h.clock.now) // a restart adds nothing
  const keys = devAccounts(10)
  const [eu, us] = DEMO_PROVIDERS.map((demo) => h.registry.ensureProviderAccount(privateKeyToAccount(keys[demo.account]!.privateKey).address))
  expect([h.ledger.balance(bond(eu!)), h.ledger.balance(bond(us!))]).toEqual([100n * TOKEN, 200n * TOKEN]) // 2× H100, 4× RTX 4090 at 50 GRID
  expect([h.ledger.balance(available(eu!)), h.ledger.balance(available(us!))]).toEqual([0n, 0n])
  const address = privateKeyToAccount(keys[DEMO_PROVIDERS[0].account]!.privateKey).address
  const { nodeId } = h.registry.register(address, { nodeKey: 'demo-eu-h100', gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 2 }], pricePerGpuHour: '2.5', region: 'eu-west' })
  expect(h.market.search({})).toEqual([])
  h.verify(nodeId)
  expect(h.market.search({})).toMatchObject([{ model: 'H100-80GB', freeGpus: 2 }])
  expect(h.invariants()).toEqual([])
})
