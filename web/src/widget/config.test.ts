import { describe, expect, it } from 'vitest'
import { contrastRatio, normaliseColor, parseConfig, textOn } from './config'

describe('parseConfig', () => {
  const page = 'https://shop.example.com/p/1'
  it('uses defaults and the script origin', () => {
    const c = parseConfig({}, 'https://kefu.example.com/widget.js', page)
    expect(c.base).toBe('https://kefu.example.com')
    expect(c.color).toBe('#1f6feb')
    expect(c.lang).toBe('auto')
    expect(c.quickReplies.en.length).toBeGreaterThan(0)
  })
  it('reads shop settings', () => {
    const c = parseConfig(
      { color: '#E43', greetingZh: ' 欢迎光临 ', greetingEn: 'Welcome', quickRepliesEn: 'A|B||C', position: 'left', lang: 'zh', logo: '/logo.png' },
      '/widget.js',
      page,
    )
    expect(c.color).toBe('#ee4433')
    expect(c.greeting['zh-CN']).toBe('欢迎光临')
    expect(c.quickReplies.en).toEqual(['A', 'B', 'C'])
    expect(c.position).toBe('left')
    expect(c.lang).toBe('zh-CN')
    expect(c.logo).toBe('https://shop.example.com/logo.png')
    expect(c.base).toBe('https://shop.example.com')
  })
  it('rejects hostile values', () => {
    const c = parseConfig({ color: 'red;background:url(x)', logo: 'javascript:alert(1)', base: 'javascript:alert(1)', position: 'middle', greeting: 'a\u0000b' }, 'https://k.example/widget.js', page)
    expect(c.color).toBe('#1f6feb')
    expect(c.logo).toBe('')
    expect(c.base).toBe('https://k.example')
    expect(c.position).toBe('right')
    expect(c.greeting.en).toBe('a b')
  })
})

describe('contrast', () => {
  it('normalises colours', () => {
    expect(normaliseColor('#ABC')).toBe('#aabbcc')
    expect(normaliseColor('abc')).toBe('')
  })
  it('chooses readable text (WCAG AA 4.5:1 where possible)', () => {
    for (const bg of ['#1f6feb', '#e4393c', '#ffd400', '#00a870', '#000000', '#ffffff']) {
      const fg = textOn(bg)
      expect(contrastRatio(bg, fg)).toBeGreaterThanOrEqual(3.5)
    }
    expect(textOn('#ffd400')).toBe('#111111')
    expect(textOn('#1f6feb')).toBe('#ffffff')
  })
})

describe('identity', () => {
  it('needs both a customer id and a 64-hex signature', () => {
    const sig = 'a'.repeat(64)
    expect(parseConfig({ customerId: 'c-1', signature: sig }, '', 'https://s.example/').identity).toEqual({ externalId: 'c-1', signature: sig, name: '' })
    expect(parseConfig({ customerId: 'c-1', signature: 'nope' }, '', 'https://s.example/').identity).toBeNull()
    expect(parseConfig({ signature: sig }, '', 'https://s.example/').identity).toBeNull()
  })
})
