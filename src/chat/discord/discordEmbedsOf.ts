import type { APIEmbed, APIEmbedField } from 'discord.js'
import { isLoopbackUrl } from '../../command/isLoopbackUrl.ts'
import { formatTable } from '../../command/renderPlainText.ts'
import type { Reply, ReplyTone } from '../../command/reply.ts'
import { EMBED_LIMITS, embedSize } from './discordEmbedLimits.ts'
import { discordCodeBlock, escapeDiscordText } from './escapeDiscordText.ts'
import { splitDiscordContent } from './splitDiscordContent.ts'

/** Discord's own palette: green, red and blurple, as users know them from other bots. */
export const TONE_COLOURS: Record<ReplyTone, number> = { success: 0x57f287, error: 0xed4245, info: 0x5865f2 }

/** Fields this short sit side by side. */
const INLINE_VALUE = 40
const CONTINUED = ' (continued)'

/** A reply as embeds, each within Discord's per-embed limits: long text is
 *  split over several embeds (never cut), the title heads the first, the
 *  image sits in the last. Packing them into messages is packEmbeds's job. */
export function discordEmbedsOf(reply: Reply): APIEmbed[] {
  const color = TONE_COLOURS[reply.error ? 'error' : (reply.tone ?? 'info')]
  const title = reply.title === undefined ? undefined : escapeDiscordText(reply.title)
  const fitsTitle = title === undefined || title.length <= EMBED_LIMITS.title
  const caption = reply.text ? escapeDiscordText(reply.text) : undefined
  const table = reply.table && discordCodeBlock(formatTable(reply.table.columns, reply.table.rows))
  // A title too long for the title line leads the description in bold instead.
  const blocks = [
    !fitsTitle ? `**${title}**` : undefined,
    // A table's caption reads best under it, as on the console.
    ...(table ? [table, caption] : [caption]),
    reply.code !== undefined ? discordCodeBlock(reply.code) : undefined,
    reply.image && isLoopbackUrl(reply.image.url) ? `Chart: ${reply.image.url}` : undefined,
  ].filter((b): b is string => b !== undefined && b !== '')
  const descriptions = blocks.length ? splitDiscordContent(blocks.join('\n\n'), EMBED_LIMITS.description) : []

  const embeds: APIEmbed[] = descriptions.map((description) => ({ color, description }))
  if (embeds.length === 0) embeds.push({ color })
  if (title !== undefined && fitsTitle) embeds[0]!.title = title

  for (const field of (reply.fields ?? []).flatMap(fieldsOf)) {
    const last = embeds.at(-1)!
    const full = (last.fields?.length ?? 0) === EMBED_LIMITS.fields || embedSize(last) + field.name.length + field.value.length > EMBED_LIMITS.totalPerMessage
    if (full) embeds.push({ color, fields: [field] })
    else last.fields = [...(last.fields ?? []), field]
  }
  if (reply.image && !isLoopbackUrl(reply.image.url)) embeds.at(-1)!.image = { url: reply.image.url }
  return embeds.filter((e) => e.title || e.description || e.fields?.length || e.image)
}

/** One reply field as embed fields: a value over 1,024 characters goes on in
 *  fields named "… (continued)"; a name over 256 is cut, its whole text kept
 *  at the head of the value. */
function fieldsOf({ name, value }: { name: string; value: string }): APIEmbedField[] {
  const escapedName = escapeDiscordText(name)
  let shownName = escapedName
  let escapedValue = escapeDiscordText(value)
  if (escapedName.length > EMBED_LIMITS.fieldName - CONTINUED.length) {
    shownName = escapedName.slice(0, EMBED_LIMITS.fieldName - CONTINUED.length - 1).replace(/\\$/, '') + '…'
    escapedValue = `${escapedName}\n${escapedValue}`
  }
  // Discord refuses an empty value.
  if (escapedValue === '') escapedValue = '\u200b'
  const chunks = splitDiscordContent(escapedValue, EMBED_LIMITS.fieldValue)
  const inline = chunks.length === 1 && escapedValue.length <= INLINE_VALUE && !escapedValue.includes('\n') && shownName.length <= INLINE_VALUE
  return chunks.map((chunk, i) => ({ name: i === 0 ? shownName : shownName + CONTINUED, value: chunk, inline }))
}
