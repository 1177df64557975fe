import { expect, test } from 'vitest'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'

test('error: parameter names are the defined ones only, values within what their readers accept', () => {
  const params = new ProtocolParameters(openDatabase(':memory:').db)
  const set = (name: string, value: string) => () => params.set(name, value, { setByProposal: null, now: 1 })
  expect(set('constructor', '1')).toThrow(/^There is no parameter constructor; expected one of protocol_fee_bps, /)
  expect(set('__proto__', '1')).toThrow(/^There is no parameter __proto__;/)
  expect(set('quorum', '1.0000000000000000001')).toThrow('The value "1.0000000000000000001" for quorum is not valid: expected a token amount such as 50000, with at most 18 decimals.')
  expect(set('gpu_weights', '[1]')).toThrow('The value "[1]" for gpu_weights is not valid: expected JSON such as {"H100-80GB":10}.')
  expect(set('gpu_weights', '5')).toThrow(/gpu_weights is not valid/)
  set('quorum', '1.5')()
  expect(params.get('quorum')).toBe('1.5')
})
