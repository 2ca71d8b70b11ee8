import { describe, expect, it } from 'vitest'
import { clock, firstPhoto, photoProblem } from './media'
import { fromWire, mediaURL } from './transport'

describe('photos and voice', () => {
  const base = { id: 9, conversation_id: 1, created_at: '2026-11-23T00:00:00Z', sender_kind: 'customer', client_msg_id: 'c-9' }
  it('checks a photo before uploading it', () => {
    expect(photoProblem({ type: 'image/png', size: 1000 })).toBe('')
    expect(photoProblem({ type: 'image/svg+xml', size: 1000 })).toBe('photoType')
    expect(photoProblem({ type: 'image/jpeg', size: 11 << 20 })).toBe('photoTooBig')
    const txt = new File(['x'], 'a.txt', { type: 'text/plain' })
    const png = new File(['x'], 'a.png', { type: 'image/png' })
    expect(firstPhoto([txt, png])).toBe(png)
    expect(firstPhoto(null)).toBeNull()
  })
  it('shows recording time as m:ss', () => {
    expect(clock(0)).toBe('0:00')
    expect(clock(65.7)).toBe('1:05')
  })
  it('accepts only kefu’s signed media paths', () => {
    expect(mediaURL('https://kefu.example', '/api/v1/media/12/0123456789abcdef0123456789abcdef')).toBe('https://kefu.example/api/v1/media/12/0123456789abcdef0123456789abcdef')
    for (const bad of ['javascript:alert(1)', 'https://evil.example/x.png', '/api/v1/media/12/../../x', '//evil.example/api/v1/media/1/abcdefabcdefabcd', 42]) {
      expect(mediaURL('', bad)).toBeUndefined()
    }
  })
  it('reads image and voice messages, hiding the placeholder text', () => {
    const url = '/api/v1/media/3/0123456789abcdef0123456789abcdef'
    const m = fromWire({ ...base, content_type: 'image', body: '[image]', attachments: [{ id: 3, kind: 'image', url }, { id: 4, url: 'javascript:x' }] }, 'en', 'https://k')
    expect(m.media).toEqual([{ kind: 'image', url: 'https://k' + url }])
    expect(m.text).toBe('')
    const v = fromWire({ ...base, content_type: 'voice', body: '[voice]', attachments: [{ id: 5, url }] }, 'en')
    expect(v.media).toEqual([{ kind: 'voice', url }])
    expect(fromWire({ ...base, content_type: 'text', body: 'hi', attachments: [{ url }] }, 'en').media).toBeUndefined()
  })
  it('reads a satisfaction survey card', () => {
    const token = '42.1790000000.abcDEF_-123'
    const c = fromWire({ ...base, sender_kind: 'system', content_type: 'card', body: '', payload: { type: 'csat', token, ticket_id: 42, ticket_ref: 'T-000042' } }, 'zh')
    expect(c.card).toEqual({ kind: 'csat', token, ticket_id: 42, ticket_ref: 'T-000042' })
    expect(fromWire({ ...base, content_type: 'card', body: '', payload: { type: 'csat', token: '<script>' } }, 'zh').card).toBeUndefined()
  })
})
