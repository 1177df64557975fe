import type { APIEmbed } from 'discord.js'

/** Discord's embed limits (discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  /** Characters of all embeds of one message together. */
  totalPerMessage: 6000,
  embedsPerMessage: 10,
} as const

/** The characters Discord counts towards the 6,000 of a message. */
export function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0)
  )
}

/** Groups embeds into messages of at most 10 embeds and 6,000 characters, in order. */
export function packEmbeds(embeds: APIEmbed[]): APIEmbed[][] {
  const messages: APIEmbed[][] = []
  let current: APIEmbed[] = []
  let size = 0
  for (const embed of embeds) {
    const next = embedSize(embed)
    if (current.length > 0 && (current.length === EMBED_LIMITS.embedsPerMessage || size + next > EMBED_LIMITS.totalPerMessage)) {
      messages.push(current)
      current = []
      size = 0
    }
    current.push(embed)
    size += next
  }
  if (current.length) messages.push(current)
  return messages
}
