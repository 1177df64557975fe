import { Writable } from 'node:stream'
import { expect, test } from 'vitest'
import { createLogger } from '../../src/app/logger.ts'

test('secrets never reach a log line, in fields, messages or errors', async () => {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const token = '123456:SECRETsecretSECRETsecret'
  const logger = createLogger({ level: 'info', secrets: [token], destination })
  logger.info({ config: { TELEGRAM_BOT_TOKEN: token }, privateKey: '0xabc' }, 'starting')
  logger.error({ err: new Error(`request to https://api.telegram.org/bot${token}/getMe failed`) }, 'telegram failed')
  logger.warn(`calling /bot${token}/sendMessage`)
  const output = lines.join('')
  expect(lines).toHaveLength(3)
  expect(output).not.toContain('SECRETsecret')
  expect(output).not.toContain('0xabc')
  expect(output).toContain('/bot[redacted]/getMe failed')
})
