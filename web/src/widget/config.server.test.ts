import { describe, expect, it } from 'vitest'
import { loadServerLook, parseConfig, withServerLook } from './config'

const look = {
  color: '#e4393c',
  title_zh: '小店客服',
  title_en: 'Shop help',
  greeting_zh: '您好！',
  greeting_en: 'Hi!',
  logo_url: 'https://shop.example.com/logo.png',
  quick_replies_zh: ['我的订单到哪了？', '我要退货'],
  quick_replies_en: [],
  position: 'left',
}
const src = 'https://kefu.example.com/widget.js'
const page = 'https://shop.example.com/'

describe('server-saved widget look', () => {
  it('fills what the snippet leaves out', () => {
    const c = parseConfig(withServerLook({}, look), src, page)
    expect(c.color).toBe('#e4393c')
    expect(c.title).toEqual({ 'zh-CN': '小店客服', en: 'Shop help' })
    expect(c.greeting['zh-CN']).toBe('您好！')
    expect(c.logo).toBe('https://shop.example.com/logo.png')
    expect(c.quickReplies['zh-CN']).toEqual(['我的订单到哪了？', '我要退货'])
    expect(c.quickReplies.en).toEqual(['Where is my order?', 'I want to return an item', 'Talk to a person']) // none saved: default
    expect(c.position).toBe('left')
  })
  it('lets the snippet’s own attributes win', () => {
    const c = parseConfig(withServerLook({ color: '#00ff00', title: 'Snippet', quickRepliesZh: '转人工', position: 'right' }, look), src, page)
    expect(c.color).toBe('#00ff00')
    expect(c.title).toEqual({ 'zh-CN': 'Snippet', en: 'Snippet' })
    expect(c.quickReplies['zh-CN']).toEqual(['转人工'])
    expect(c.position).toBe('right')
    expect(c.greeting.en).toBe('Hi!')
  })
  it('is still validated: a bad saved value falls back to the default', () => {
    const c = parseConfig(withServerLook({}, { color: 'red', logo_url: 'javascript:alert(1)' }), src, page)
    expect(c.color).toBe('#1f6feb')
    expect(c.logo).toBe('')
  })
  it('without a saved look the snippet alone decides', () => {
    expect(withServerLook({ color: '#123456' }, null)).toEqual({ color: '#123456' })
  })
  it('loads the look, or null when the server has none', async () => {
    const ok = (async () => new Response(JSON.stringify(look), { status: 200 })) as typeof fetch
    expect(await loadServerLook('https://kefu.example.com', 1000, ok)).toEqual(look)
    const missing = (async () => new Response('{"error":{}}', { status: 404 })) as typeof fetch
    expect(await loadServerLook('https://kefu.example.com', 1000, missing)).toBeNull()
    const down = (async () => {
      throw new TypeError('network')
    }) as typeof fetch
    expect(await loadServerLook('https://kefu.example.com', 1000, down)).toBeNull()
    const slow = ((_: unknown, init?: RequestInit) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))) as typeof fetch
    expect(await loadServerLook('https://kefu.example.com', 20, slow)).toBeNull()
    expect(await loadServerLook('', 1000, ok)).toBeNull()
  })
})
