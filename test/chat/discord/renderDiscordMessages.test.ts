import { describe, expect, test } from 'vitest'
import { discordCodeBlock, escapeDiscordText } from '../../../src/chat/discord/escapeDiscordText.ts'
import { packEmbeds } from '../../../src/chat/discord/discordEmbedLimits.ts'
import { renderDiscordMessages } from '../../../src/chat/discord/renderDiscordMessages.ts'
import { splitDiscordContent } from '../../../src/chat/discord/splitDiscordContent.ts'

describe('escapeDiscordText', () => {
  test('escapes markdown, line-start syntax and mention look-alikes, and leaves URLs as they are', () => {
    expect(escapeDiscordText('*a* _b_ ~~c~~ `d` ||e|| [f](g) <@1> <#2> \\')).toBe(
      '\\*a\\* \\_b\\_ \\~\\~c\\~\\~ \\`d\\` \\|\\|e\\|\\| \\[f\\](g) \\<@1\\> \\<#2\\> \\\\',
    )
    expect(escapeDiscordText('# title\n-# small\n- item\n> quote\n12. twelfth')).toBe('\\# title\n\\-# small\n\\- item\n\\> quote\n12\\. twelfth')
    expect(escapeDiscordText('@everyone and @here')).toBe('@\u200beveryone and @\u200bhere')
    expect(escapeDiscordText('sign at https://gridshare.example.org/link?t=a_b*c then *go*')).toBe(
      'sign at https://gridshare.example.org/link?t=a_b*c then \\*go\\*',
    )
  })

  test('a code block cannot be closed early by its content', () => {
    expect(discordCodeBlock('a ``` b')).toBe('```\na `\u200b`\u200b` b\n```')
  })
})

describe('renderDiscordMessages', () => {
  const BLURPLE = 0x5865f2
  const RED = 0xed4245
  const GREEN = 0x57f287

  test('title, fields, table and code as one embed: title line, description, short fields inline, information blue', () => {
    const rendered = renderDiscordMessages({
      title: 'Quote q1',
      text: '2× H100 for 4 h',
      fields: [
        { name: 'Cost', value: '9.6 GRID' },
        { name: 'Proof', value: 'line one\nline two' },
      ],
      table: { columns: ['model', 'free'], rows: [['H100', '3']] },
      code: 'gridshare.example.org wants you to sign in',
    })
    expect(rendered).toEqual([
      {
        embeds: [
          {
            color: BLURPLE,
            title: 'Quote q1',
            description: '```\nmodel  free\nH100   3\n```\n\n2× H100 for 4 h\n\n```\ngridshare.example.org wants you to sign in\n```',
            fields: [
              { name: 'Cost', value: '9.6 GRID', inline: true },
              { name: 'Proof', value: 'line one\nline two', inline: false },
            ],
          },
        ],
        components: [],
      },
    ])
  })

  test('colour by tone: errors red whatever the tone, success green', () => {
    expect(renderDiscordMessages({ text: 'No such rental.', error: true, tone: 'success' })[0]!.embeds).toEqual([{ color: RED, description: 'No such rental.' }])
    expect(renderDiscordMessages({ text: 'Rented.', tone: 'success' })[0]!.embeds).toEqual([{ color: GREEN, description: 'Rented.' }])
  })

  test('user text cannot inject markdown or mentions into the title, description or fields', () => {
    const [message] = renderDiscordMessages({ title: '**x** @everyone', text: '<@123> [a](b)', fields: [{ name: '# h', value: '`c`' }] })
    expect(message!.embeds[0]).toMatchObject({
      title: '\\*\\*x\\*\\* @\u200beveryone',
      description: '\\<@123\\> \\[a\\](b)',
      fields: [{ name: '\\# h', value: '\\`c\\`' }],
    })
  })

  test('an image on a public URL becomes the embed image; on a loopback URL a link, as Discord cannot fetch it', () => {
    const publicImage = renderDiscordMessages({ title: 'GPUs', image: { url: 'https://grid.example.org/charts/availability.png?days=7', alt: 'chart' } })
    expect(publicImage[0]!.embeds).toEqual([{ color: BLURPLE, title: 'GPUs', image: { url: 'https://grid.example.org/charts/availability.png?days=7' } }])
    const local = renderDiscordMessages({ title: 'GPUs', image: { url: 'http://localhost:8787/charts/availability.png?days=7', alt: 'chart' } })
    expect(local[0]!.embeds).toEqual([{ color: BLURPLE, title: 'GPUs', description: 'Chart: http://localhost:8787/charts/availability.png?days=7' }])
  })

  test('a description over 4,096 characters goes on in further embeds, nothing cut, code blocks reopened', () => {
    const rows = Array.from({ length: 300 }, (_, i) => [`H100-${i}`, String(i), 'x'.repeat(20)])
    const messages = renderDiscordMessages({ title: 'Many', table: { columns: ['model', 'free', 'pad'], rows } })
    const embeds = messages.flatMap((m) => m.embeds)
    expect(embeds.length).toBeGreaterThan(2)
    for (const embed of embeds) {
      expect(embed.description!.length).toBeLessThanOrEqual(4096)
      expect(embed.description!.split('```').length % 2).toBe(1)
    }
    expect(embeds[0]!.title).toBe('Many')
    expect(embeds.slice(1).every((e) => e.title === undefined)).toBe(true)
    const text = embeds.map((e) => e.description).join('\n').replace(/\n```\n```/g, '')
    for (const row of rows) expect(text).toContain(row[0]!.padEnd(8) + '  ' + row[1]!.padEnd(4) + '  ' + row[2])
  })

  test('exactly 4,096 characters stay in one embed; 4,097 make two', () => {
    expect(renderDiscordMessages({ text: 'a'.repeat(4096) })[0]!.embeds).toHaveLength(1)
    const split = renderDiscordMessages({ text: 'a'.repeat(4097) })[0]!.embeds
    expect(split.map((e) => e.description!.length)).toEqual([4088, 9])
  })

  test('26 fields: 25 in the first embed, the 26th in the next', () => {
    const fields = Array.from({ length: 26 }, (_, i) => ({ name: `f${i}`, value: `v${i}` }))
    const embeds = renderDiscordMessages({ title: 'T', fields })[0]!.embeds
    expect(embeds.map((e) => e.fields!.length)).toEqual([25, 1])
    expect(embeds[1]!.fields![0]).toEqual({ name: 'f25', value: 'v25', inline: true })
  })

  test('a field value over 1,024 characters continues in "(continued)" fields; a name over 256 is cut and kept whole in the value', () => {
    const value = Array.from({ length: 30 }, (_, i) => `proof line ${i} ${'0'.repeat(50)}`).join('\n')
    const fields = renderDiscordMessages({ fields: [{ name: 'Proof', value }] })[0]!.embeds.flatMap((e) => e.fields ?? [])
    expect(fields.map((f) => f.name)).toEqual(['Proof', 'Proof (continued)'])
    expect(fields.every((f) => f.value.length <= 1024)).toBe(true)
    expect(fields.map((f) => f.value).join('\n')).toBe(value)
    const longName = 'n'.repeat(300)
    const [field] = renderDiscordMessages({ fields: [{ name: longName, value: 'v' }] })[0]!.embeds[0]!.fields!
    expect(field!.name).toBe('n'.repeat(243) + '…')
    expect(field!.value).toBe(`${longName}\nv`)
  })

  test('over 6,000 characters or 10 embeds in a message: the rest go in further messages, buttons under the last', () => {
    // 8 fields of 992 characters: 6 fit the 6,000 of one embed and message.
    const fields = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, value: String(i).repeat(990) }))
    const messages = renderDiscordMessages({ fields, buttons: [{ label: 'OK', action: 'a1' }] })
    expect(messages.map((m) => m.embeds.map((e) => e.fields!.length))).toEqual([[6], [2]])
    expect(messages.map((m) => m.components.length)).toEqual([0, 1])
    for (const m of messages) expect(m.embeds.reduce((n, e) => n + e.fields!.reduce((k, f) => k + f.name.length + f.value.length, 0), 0)).toBeLessThanOrEqual(6000)

    const many = renderDiscordMessages({ text: Array.from({ length: 12 }, () => 'y'.repeat(400)).join('\n'.repeat(1)) })
    expect(many.flatMap((m) => m.embeds)).toHaveLength(2)
    const twelve = packEmbeds(Array.from({ length: 12 }, (_, i) => ({ description: `d${i}` })))
    expect(twelve.map((group) => group.length)).toEqual([10, 2])
  })

  test('buttons: five to a row, at most five rows, long labels clipped', () => {
    const buttons = Array.from({ length: 27 }, (_, i) => ({ label: `choice ${i} ${'x'.repeat(i === 0 ? 90 : 0)}`.trim(), action: `a${i}` }))
    const { components } = renderDiscordMessages({ text: 'Vote', buttons })[0]!
    expect(components.map((row) => row.components.length)).toEqual([5, 5, 5, 5, 5])
    expect((components[0]!.components[0] as { label: string }).label).toHaveLength(80)
    expect(components[0]!.components[1]).toEqual({ type: 2, style: 2, label: 'choice 1', custom_id: 'a1' })
  })

  test('an empty reply still makes a valid message; buttons alone need no embed', () => {
    expect(renderDiscordMessages({})).toEqual([{ embeds: [{ color: BLURPLE, description: 'Done.' }], components: [] }])
    expect(renderDiscordMessages({ buttons: [{ label: 'OK', action: 'a' }] })[0]!.embeds).toEqual([])
  })
})

describe('splitDiscordContent', () => {
  test('splits at line breaks and keeps each part within the limit', () => {
    const text = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n')
    const parts = splitDiscordContent(text, 20)
    expect(parts.every((p) => p.length <= 20)).toBe(true)
    expect(parts.join('\n')).toBe(text)
  })

  test('closes a code block at the cut and reopens it in the next part', () => {
    const text = 'intro\n```\n' + Array.from({ length: 8 }, (_, i) => `row ${i}`).join('\n') + '\n```\noutro'
    const parts = splitDiscordContent(text, 30)
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(30)
      expect(part.split('```').length % 2).toBe(1)
    }
    expect(parts.join('\n').replace(/\n```\n```/g, '')).toBe(text)
  })

  test('cuts a line longer than the limit without separating an escape from its character', () => {
    const parts = splitDiscordContent('a'.repeat(11) + '\\*' + 'b'.repeat(20), 20)
    expect(parts.every((p) => p.length <= 20)).toBe(true)
    expect(parts.some((p) => p.endsWith('\\'))).toBe(false)
    expect(parts.join('')).toBe('a'.repeat(11) + '\\*' + 'b'.repeat(20))
  })
})
