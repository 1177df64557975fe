import { expect, test } from 'vitest'
import { redactRpcUrl } from '../../src/chain/redactRpcUrl.ts'

test('removes credentials, query strings and key-like path segments', () => {
  expect(redactRpcUrl('https://alice:s3cret@rpc.example.org:8443/path?apikey=abc#frag')).toBe('https://rpc.example.org:8443/path')
  expect(redactRpcUrl('https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef')).toBe('https://mainnet.infura.io/v3/***')
  expect(redactRpcUrl('https://base-mainnet.g.alchemy.com/v2/AbCdEf123456GhIjKl7890')).toBe('https://base-mainnet.g.alchemy.com/v2/***')
})

test('keeps URLs without secrets readable', () => {
  expect(redactRpcUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545/')
  expect(redactRpcUrl('https://rpc.example.org/ethereum-mainnet-archive')).toBe('https://rpc.example.org/ethereum-mainnet-archive')
})

test('never echoes a value that is not a URL', () => {
  expect(redactRpcUrl('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')).toBe('(unparseable URL)')
})
