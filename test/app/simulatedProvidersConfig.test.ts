import { describe, expect, test } from 'vitest'
import { ConfigError, loadConfig } from '../../src/app/config.ts'

const external = { RPC_URL: 'http://127.0.0.1:8545', TOKEN_ADDRESS: '0x' + '22'.repeat(20), TREASURY_PRIVATE_KEY: '0x' + '11'.repeat(32) }

describe('SIMULATED_PROVIDERS', () => {
  test('allow on the embedded dev chain, deny with RPC_URL, unless given', () => {
    expect(loadConfig({}).SIMULATED_PROVIDERS).toBe('allow')
    expect(loadConfig(external).SIMULATED_PROVIDERS).toBe('deny')
    expect(loadConfig({ ...external, SIMULATED_PROVIDERS: 'allow' }).SIMULATED_PROVIDERS).toBe('allow')
    expect(loadConfig({ SIMULATED_PROVIDERS: 'deny' }).SIMULATED_PROVIDERS).toBe('deny')
  })

  test('error: another value stops the start with a sentence naming the variable', () => {
    expect(() => loadConfig({ SIMULATED_PROVIDERS: 'yes' })).toThrow(ConfigError)
    expect(() => loadConfig({ SIMULATED_PROVIDERS: 'yes' })).toThrow(
      'Invalid configuration: SIMULATED_PROVIDERS ("yes") is not allow or deny; expected allow (declared --gpus inventories can be verified) or deny.',
    )
  })
})
