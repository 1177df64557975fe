/** Discord renders a backslash-escaped markdown character literally, so every
 *  character that could start formatting, a quote, a heading, a list or a
 *  mention-looking `<@…>` is escaped. URLs are left verbatim: an escape inside
 *  one would become part of the link. */
const URL_PATTERN = /https?:\/\/[^\s<>]+/g

export function escapeDiscordText(text: string): string {
  let out = ''
  let last = 0
  for (const match of text.matchAll(URL_PATTERN)) {
    out += escapePlain(text.slice(last, match.index))
    out += match[0]
    last = match.index + match[0].length
  }
  return out + escapePlain(text.slice(last))
}

function escapePlain(text: string): string {
  return (
    text
      .replace(/[\\*_~`|<>[\]]/g, '\\$&')
      // Line-start syntax: headings (#, -#), bullets (-, +) and numbered lists (1.).
      .replace(/^(\s*)(#{1,3}|-#|[-+])(?=\s)/gm, '$1\\$2')
      .replace(/^(\s*\d+)\.(?=\s)/gm, '$1\\.')
      // allowed_mentions already stops the ping; this also stops the highlight.
      .replace(/@(everyone|here)/g, '@\u200b$1')
  )
}

/** A fenced block shows its content verbatim; only a run of backticks could
 *  close it early, so each backtick that precedes another gets a zero-width space. */
export function discordCodeBlock(text: string): string {
  return '```\n' + text.replace(/`(?=`)/g, '`\u200b') + '\n```'
}
