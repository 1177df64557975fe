import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { validate as isValidCron } from 'node-cron'
import { isAddress, isHex } from 'viem'
import { z } from 'zod'

export const DEFAULT_DATABASE_PATH = './data/gridshare.db'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const optionalText = z.string().trim().min(1).optional()

function url(expected: string) {
  return z
    .string()
    .trim()
    .refine((value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value).protocol)
      } catch {
        return false
      }
    }, `is not a URL; expected ${expected}`)
}

function integer(min: number, max: number, expected: string) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, `is not a whole number; expected ${expected}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `is out of range; expected ${expected}`)
}

const privateKey = z
  .string()
  .trim()
  .refine((v) => isHex(v) && v.length === 66, 'is not a private key; expected 0x followed by 64 hex digits')
  .transform((v) => v as `0x${string}`)

const adminIds = z
  .string()
  .trim()
  .refine(
    (v) => v === '' || v.split(',').every((id) => /^(telegram|discord|console):[\w-]+$/.test(id.trim())),
    'is not a list of chat identities; expected platform:id pairs like telegram:123,discord:456',
  )
  .transform((v) => (v === '' ? [] : v.split(',').map((id) => id.trim())))

const envSchema = z.object({
  DATABASE_PATH: z
    .string()
    .trim()
    .min(1)
    .default(DEFAULT_DATABASE_PATH)
    .refine(
      (v) => v === DEFAULT_DATABASE_PATH || v === ':memory:' || isDirectory(dirname(resolve(v))),
      'names a directory that does not exist; expected a file path in an existing directory',
    ),
  HTTP_PORT: integer(0, 65535, 'a port number between 0 and 65535').default(8787),
  PUBLIC_URL: url('a base URL such as https://gridshare.example.org').optional(),
  HTTP_HOST: z
    .string()
    .trim()
    .regex(/^[\w.:-]{1,253}$/, 'is not an address to bind; expected an IP address such as 127.0.0.1 or 0.0.0.0, or a host name')
    .optional(),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .trim()
    .regex(/^\d+:[\w-]{20,}$/, 'is not a bot token; expected the <digits>:<secret> token BotFather gave you')
    .optional(),
  TELEGRAM_API_ROOT: url('the Bot API base URL such as https://api.telegram.org').optional(),
  TELEGRAM_WEBHOOK_URL: url('the public https URL Telegram should post updates to').optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[\w-]{1,256}$/, 'is not a valid secret; expected 1-256 characters of A-Z, a-z, 0-9, _ and -')
    .optional(),
  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: z.string().trim().regex(/^\d{5,25}$/, 'is not a Discord id; expected a numeric snowflake').optional(),
  DISCORD_API_BASE: url('the REST base URL such as https://discord.com/api').optional(),
  DISCORD_GUILD_ID: z.string().trim().regex(/^\d{5,25}$/, 'is not a Discord id; expected a numeric snowflake').optional(),
  RPC_URL: url('an EVM JSON-RPC URL such as https://rpc.example.org').optional(),
  CHAIN_ID: integer(1, 2 ** 48, 'a positive chain id such as 8453').optional(),
  TOKEN_ADDRESS: z
    .string()
    .trim()
    .refine((v) => isAddress(v, { strict: false }), 'is not an address; expected 0x followed by 40 hex digits')
    .transform((v) => v as `0x${string}`)
    .optional(),
  TREASURY_PRIVATE_KEY: privateKey.optional(),
  TREASURY_PRIVATE_KEY_FILE: z
    .string()
    .trim()
    .refine((v) => existsSync(v), 'names a file that does not exist; expected a readable file holding a 0x private key')
    .optional(),
  DEPOSIT_CONFIRMATIONS: integer(0, 1000, 'a whole number of blocks between 0 and 1000').optional(),
  EPOCH_CRON: z
    .string()
    .trim()
    .refine((v) => isValidCron(v), 'is not a cron expression; expected node-cron syntax such as "0 0 * * *"')
    .default('0 0 * * *'),
  SNAPSHOT_HUB_URL: url('the hub base URL such as https://hub.snapshot.org').optional(),
  SNAPSHOT_SPACE: z.string().trim().regex(/^[\w.-]+$/, 'is not a space id; expected a name such as gridshare.eth').optional(),
  /** Where signed envelopes go; unset: derived from the hub as snapshot.js does, else <hub>/api/msg. */
  SNAPSHOT_SEQUENCER_URL: url('the sequencer URL such as https://seq.snapshot.org').optional(),
  EXPLORER_URL: url('a block explorer base URL such as https://etherscan.io').optional(),
  ADMIN_IDS: adminIds.default([]),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `is not a log level; expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  HEARTBEAT_INTERVAL_S: integer(1, 3600, 'a whole number of seconds between 1 and 3600').default(30),
  /** Whether declared (--gpus) inventories may be verified and listed; unset: allow on the embedded dev chain only. */
  SIMULATED_PROVIDERS: z.enum(['allow', 'deny'], { message: 'is not allow or deny; expected allow (declared --gpus inventories can be verified) or deny' }).optional(),
  RATE_LIMIT_BURST: integer(1, 10_000, 'a whole number of commands between 1 and 10000').default(10),
  RATE_LIMIT_PER_SECOND: integer(1, 10_000, 'a whole number of commands per second between 1 and 10000').default(2),
})

export type Config = Readonly<
  Omit<z.output<typeof envSchema>, 'TREASURY_PRIVATE_KEY_FILE' | 'PUBLIC_URL' | 'HTTP_HOST' | 'SIMULATED_PROVIDERS'> & {
    PUBLIC_URL: string
    /** Resolved: `allow` on the embedded dev chain, `deny` when RPC_URL is set, unless given. */
    SIMULATED_PROVIDERS: 'allow' | 'deny'
    /** Where the HTTP server binds: loopback when PUBLIC_URL is loopback, so a dev start is not reachable from the network. */
    HTTP_HOST: string
    /** Directory for the dev chain's state and other local files. */
    DATA_DIR: string
  }
>

export class ConfigError extends Error {}

/** Parses the environment once. Throws ConfigError with one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(present)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const name = String(issue.path[0])
    const shown = isSecret(name) ? '' : ` ("${String(present[name]).slice(0, 80)}")`
    throw new ConfigError(`Invalid configuration: ${name}${shown} ${issue.message}.`)
  }
  const { TREASURY_PRIVATE_KEY_FILE, ...values } = parsed.data
  let treasuryKey = values.TREASURY_PRIVATE_KEY
  if (!treasuryKey && TREASURY_PRIVATE_KEY_FILE) {
    const fromFile = privateKey.safeParse(readFileSync(TREASURY_PRIVATE_KEY_FILE, 'utf8'))
    if (!fromFile.success) throw new ConfigError(`Invalid configuration: TREASURY_PRIVATE_KEY_FILE ${fromFile.error.issues[0]!.message}.`)
    treasuryKey = fromFile.data
  }
  if (values.RPC_URL && !values.TOKEN_ADDRESS) {
    throw new ConfigError('Invalid configuration: TOKEN_ADDRESS is missing; expected the ERC-20 address when RPC_URL is set.')
  }
  if (values.RPC_URL && !treasuryKey) {
    throw new ConfigError(
      'Invalid configuration: TREASURY_PRIVATE_KEY is missing; expected a key (or TREASURY_PRIVATE_KEY_FILE) when RPC_URL is set.',
    )
  }
  if (Boolean(values.DISCORD_TOKEN) !== Boolean(values.DISCORD_APPLICATION_ID)) {
    throw new ConfigError('Invalid configuration: DISCORD_APPLICATION_ID and DISCORD_TOKEN must be set together.')
  }
  if (values.TELEGRAM_WEBHOOK_URL) {
    const webhook = new URL(values.TELEGRAM_WEBHOOK_URL)
    if (webhook.protocol !== 'https:' || webhook.pathname === '/') {
      throw new ConfigError(
        `Invalid configuration: TELEGRAM_WEBHOOK_URL ("${values.TELEGRAM_WEBHOOK_URL}") must be https with a path; expected e.g. https://gridshare.example.org/telegram/webhook.`,
      )
    }
    if (!values.TELEGRAM_WEBHOOK_SECRET) {
      throw new ConfigError('Invalid configuration: TELEGRAM_WEBHOOK_SECRET is missing; expected a secret of A-Z, a-z, 0-9, _ and - when TELEGRAM_WEBHOOK_URL is set.')
    }
  }
  if (Boolean(values.SNAPSHOT_HUB_URL) !== Boolean(values.SNAPSHOT_SPACE)) {
    throw new ConfigError('Invalid configuration: SNAPSHOT_HUB_URL and SNAPSHOT_SPACE must be set together.')
  }
  if (values.SNAPSHOT_SEQUENCER_URL && !values.SNAPSHOT_HUB_URL) {
    throw new ConfigError('Invalid configuration: SNAPSHOT_SEQUENCER_URL is set without SNAPSHOT_HUB_URL and SNAPSHOT_SPACE; set those too, or unset it.')
  }
  const port = values.HTTP_PORT
  const publicUrl = (values.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '')
  return Object.freeze({
    ...values,
    TREASURY_PRIVATE_KEY: treasuryKey,
    SIMULATED_PROVIDERS: values.SIMULATED_PROVIDERS ?? (values.RPC_URL ? 'deny' : 'allow'),
    PUBLIC_URL: publicUrl,
    HTTP_HOST: values.HTTP_HOST ?? (isLoopback(new URL(publicUrl).hostname) ? '127.0.0.1' : '0.0.0.0'),
    DATA_DIR: values.DATABASE_PATH === ':memory:' ? resolve('./data') : dirname(resolve(values.DATABASE_PATH)),
  })
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

function isSecret(name: string): boolean {
  return /TOKEN$|PRIVATE_KEY|SECRET/.test(name) && name !== 'TOKEN_ADDRESS'
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
