import { keccak_256 } from '@noble/hashes/sha3'
import { keccak256 } from 'viem'
const n = 30000
const buf = new Uint8Array(64).fill(7)
let t = performance.now()
for (let i = 0; i < n; i++) keccak_256(buf)
console.log('noble raw us/op', ((performance.now() - t) * 1000) / n)
t = performance.now()
const hex = `0x${'07'.repeat(64)}` as const
for (let i = 0; i < n; i++) keccak256(hex)
console.log('viem hex us/op', ((performance.now() - t) * 1000) / n)
import sha3 from 'js-sha3'
t = performance.now()
for (let i = 0; i < n; i++) sha3.keccak256.arrayBuffer(buf)
console.log('js-sha3 us/op', ((performance.now() - t) * 1000) / n)
