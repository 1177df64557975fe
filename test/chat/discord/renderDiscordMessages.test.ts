import { describe, expect, test } from 'vitest'
import { discordCodeBlock, escapeDiscordText } from '../../../src/chat/discord/escapeDiscordText.ts'
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
  test('title, text, fields, table and code in one message', () => {
    const rendered = renderDiscordMessages({
      title: 'Quote q1',
      text: '2× H100 for 4 h',
      fields: [{ name: 'Cost', value: '9.6 GRID' }],
      table: { columns: ['model', 'free'], rows: [['H100', '3']] },
      code: 'gridshare.example.org wants you to sign in',
    })
    expect(rendered).toEqual({
      contents: [
        '**Quote q1**\n2× H100 for 4 h\n\n**Cost**\n9.6 GRID\n\n```\nmodel  free\nH100   3\n```\n\n```\ngridshare.example.org wants you to sign in\n```',
      ],
      components: [],
    })
  })

  test('buttons: five to a row, at most five rows, long labels clipped', () => {
    const buttons = Array.from({ length: 27 }, (_, i) => ({ label: `choice ${i} ${'x'.repeat(i === 0 ? 90 : 0)}`.trim(), action: `a${i}` }))
    const { components } = renderDiscordMessages({ text: 'Vote', buttons })
    expect(components.map((row) => row.components.length)).toEqual([5, 5, 5, 5, 5])
    expect((components[0]!.components[0] as { label: string }).label).toHaveLength(80)
    expect(components[0]!.components[1]).toEqual({ type: 2, style: 2, label: 'choice 1', custom_id: 'a1' })
  })

  test('an empty reply still makes a valid message', () => {
    expect(renderDiscordMessages({}).contents).toEqual(['Done.'])
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
