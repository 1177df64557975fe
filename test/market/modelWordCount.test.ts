import { expect, test } from 'vitest'
import { modelWordCount } from '../../src/market/modelWordCount.ts'

test.each([
  [['RTX', '4090'], 2],
  [['RTX', '4090', '2'], 2],
  [['rtx', '4090'], 2],
  [['RTX', 'A6000', '1'], 2],
  [['RTX', '6000', 'Ada', '2'], 3],
  [['A100', '40GB', '2'], 2],
  [['H100', 'NVL'], 2],
  [['H100', '4'], 1],
  [['H100', '4', '2'], 1],
  [['4090', '2'], 1],
  [['RTX4090-24GB', '2'], 1],
  [['MI300X', '2'], 1],
  [['H100'], 1],
])('%j: the model takes %i word(s)', (words, count) => {
  expect(modelWordCount(words)).toBe(count)
})
