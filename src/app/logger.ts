import { pino, type Logger, type DestinationStream } from 'pino'

export type { Logger }

const REDACT_PATHS = [
  'privateKey',
  '*.privateKey',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'headers.authorization',
  '*.headers.authorization',
  'config.TELEGRAM_BOT_TOKEN',
  'config.DISCORD_TOKEN',
  'config.TREASURY_PRIVATE_KEY',
  'config.TELEGRAM_WEBHOOK_SECRET',
]

/** A pino logger that never prints the given secrets: known fields are
 *  redacted, and the secret values are scrubbed from any text (an error
 *  message quoting a URL with a bot token, for example). */
export function createLogger({
  level,
  secrets = [],
  destination,
}: {
  level: string
  secrets?: (string | undefined)[]
  destination?: DestinationStream
}): Logger {
  const values = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6)
  const scrub = (text: string) => values.reduce((out, secret) => out.split(secret).join('[redacted]'), text)
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: {
        log(object) {
          if (!values.length) return object
          const text = JSON.stringify(object, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))
          return values.some((s) => text.includes(s)) ? JSON.parse(scrub(text)) : object
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, (values.length ? args.map((a) => (typeof a === 'string' ? scrub(a) : a)) : args) as Parameters<typeof method>)
        },
      },
      serializers: {
        err(error) {
          const serialized = pino.stdSerializers.err(error)
          return values.length ? JSON.parse(scrub(JSON.stringify(serialized))) : serialized
        },
      },
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  )
}
