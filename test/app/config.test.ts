import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'

describe('loadConfig', () => {
  test('embedded defaults with no variables set', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      DATABASE_PATH: './data/gridshare.db',
      HTTP_PORT: 8787,
      PUBLIC_URL: 'http://localhost:8787',
      EPOCH_CRON: '0 0 * * *',
      ADMIN_IDS: [],
      LOG_LEVEL: 'info',
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  test('parses every documented variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-config-'))
    const keyFile = join(dir, 'key')
    writeFileSync(keyFile, '0x' + '11'.repeat(32) + '\n')
    const config = loadConfig({
      DATABASE_PATH: join(dir, 'x.db'),
      HTTP_PORT: '9000',
      PUBLIC_URL: 'https://gs.example.org/',
      TELEGRAM_BOT_TOKEN: '123456:ABCdefGhIJKlmnOPQRstuVWXyz',
      RPC_URL: 'http://127.0.0.1:8545',
      CHAIN_ID: '8453',
      TOKEN_ADDRESS: '0x' + 'ab'.repeat(20),
      TREASURY_PRIVATE_KEY_FILE: keyFile,
      DEPOSIT_CONFIRMATIONS: '5',
      EPOCH_CRON: '*/10 * * * * *',
      ADMIN_IDS: 'telegram:123, discord:456',
      LOG_LEVEL: 'warn',
    })
    expect(config).toMatchObject({
      HTTP_PORT: 9000,
      PUBLIC_URL: 'https://gs.example.org',
      CHAIN_ID: 8453,
      DEPOSIT_CONFIRMATIONS: 5,
      TREASURY_PRIVATE_KEY: '0x' + '11'.repeat(32),
      ADMIN_IDS: ['telegram:123', 'discord:456'],
      DATA_DIR: dir,
    })
  })

  test.each([
    [{ HTTP_PORT: 'abc' }, 'Invalid configuration: HTTP_PORT ("abc") is not a whole number; expected a port number between 0 and 65535.'],
    [{ HTTP_PORT: '70000' }, 'Invalid configuration: HTTP_PORT ("70000") is out of range; expected a port number between 0 and 65535.'],
    [
      { DATABASE_PATH: '/nonexistent/dir/x.db' },
      'Invalid configuration: DATABASE_PATH ("/nonexistent/dir/x.db") names a directory that does not exist; expected a file path in an existing directory.',
    ],
    [{ PUBLIC_URL: 'localhost' }, 'Invalid configuration: PUBLIC_URL ("localhost") is not a URL; expected a base URL such as https://gridshare.example.org.'],
    [{ EPOCH_CRON: 'every day' }, 'Invalid configuration: EPOCH_CRON ("every day") is not a cron expression; expected node-cron syntax such as "0 0 * * *".'],
    [
      { ADMIN_IDS: 'alice' },
      'Invalid configuration: ADMIN_IDS ("alice") is not a list of chat identities; expected platform:id pairs like telegram:123,discord:456.',
    ],
    [{ TREASURY_PRIVATE_KEY: 'hunter2' }, 'Invalid configuration: TREASURY_PRIVATE_KEY is not a private key; expected 0x followed by 64 hex digits.'],
    [{ RPC_URL: 'http://127.0.0.1:8545' }, 'Invalid configuration: TOKEN_ADDRESS is missing; expected the ERC-20 address when RPC_URL is set.'],
    [{ DISCORD_TOKEN: 'abc' }, 'Invalid configuration: DISCORD_APPLICATION_ID and DISCORD_TOKEN must be set together.'],
    [{ LOG_LEVEL: 'loud' }, 'Invalid configuration: LOG_LEVEL ("loud") is not a log level; expected one of fatal, error, warn, info, debug, trace, silent.'],
  ])('error: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message)
  })

  test('a secret value is never echoed in the error', () => {
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'not-a-token-but-secret' })).toThrow(
      /^Invalid configuration: TELEGRAM_BOT_TOKEN is not a bot token/,
    )
  })
})
