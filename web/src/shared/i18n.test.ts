import { describe, expect, it } from 'vitest'
import { fill, pickLang, translator } from './i18n'
import { initials, money } from './format'

describe('pickLang', () => {
  const cases: [string[], string | null, string][] = [
    [['zh-CN', 'en'], null, 'zh-CN'],
    [['zh-TW'], null, 'zh-CN'],
    [['zh'], null, 'zh-CN'],
    [['en-US', 'zh-CN'], null, 'en'],
    [['fr-FR', 'zh-CN'], null, 'zh-CN'],
    [['fr-FR', 'de'], null, 'en'],
    [[], null, 'en'],
    [['zh-CN'], 'en', 'en'],
    [['en'], 'zh-CN', 'zh-CN'],
    [['en'], 'klingon', 'en'],
    [['zhx'], null, 'en'],
  ]
  for (const [prefs, stored, want] of cases) {
    it(`${prefs.join(',')} stored=${stored} → ${want}`, () => expect(pickLang(prefs, stored)).toBe(want))
  }
})

describe('fill and translator', () => {
  it('replaces known placeholders and keeps unknown ones', () => {
    expect(fill('{n} of {total} ({x})', { n: 1, total: 3 })).toBe('1 of 3 ({x})')
  })
  it('falls back to English for a missing key', () => {
    const t = translator({ en: { a: 'A', b: 'B' }, 'zh-CN': { a: '甲' } as any }, 'zh-CN')
    expect(t('a')).toBe('甲')
    expect(t('b')).toBe('B')
  })
})

describe('format', () => {
  it('formats cents as currency in both languages', () => {
    expect(money(12345, 'en')).toContain('123.45')
    expect(money(12345, 'zh-CN')).toContain('123.45')
  })
  it('makes initials for Chinese and Latin names', () => {
    expect(initials('王小明')).toBe('小明')
    expect(initials('Ada Lovelace')).toBe('AL')
    expect(initials('  ')).toBe('?')
  })
})
