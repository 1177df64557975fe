import { expect, test } from 'vitest'
import { echoInput, stripInvisible } from '../../src/errors/echoInput.ts'

test('short input is echoed as typed', () => {
  expect(echoInput('price:2')).toBe('price:2')
})
test('long input is cut to 60 characters ending in …', () => {
  expect(echoInput('a'.repeat(10_000))).toBe('a'.repeat(59) + '…')
  expect(echoInput('a'.repeat(60))).toBe('a'.repeat(60))
  expect(echoInput('abcdef', 4)).toBe('abc…')
})
test('line breaks and runs of spaces become one space, so an echo stays on one line', () => {
  expect(echoInput('  a\n\n b\t c  ')).toBe('a b c')
})
test('a cut never splits an emoji in half', () => {
  expect(echoInput('😀'.repeat(100), 3)).toBe('😀😀…')
})
test('control, bidi and invisible characters are dropped; emoji joiners stay', () => {
  expect(stripInvisible('/wallet\u202e')).toBe('/wallet')
  expect(stripInvisible('a\u0000b\u0007c\u200bd\u2066e\u2069f\ufeff')).toBe('abcdef')
  expect(stripInvisible('line\nnext\ttab')).toBe('line\nnext\ttab')
  expect(stripInvisible('👩\u200d💻')).toBe('👩\u200d💻')
  expect(echoInput('evil\u202eexe.txt')).toBe('evilexe.txt')
})
