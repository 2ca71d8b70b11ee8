import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { attachmentsOf, clip, countLabel, firstImage, isLong, LONG_TEXT, mergeFresh, pendingMedia, photoProblem, pollDelay, recognised, throttle, type MediaMessage } from './media'

const msg = (o: Partial<MediaMessage>): MediaMessage => ({
  id: 1,
  conversation_id: 1,
  sender_kind: 'customer',
  sender_id: null,
  content_type: 'text',
  body: '',
  payload: {},
  nlu: {},
  intent: '',
  lang: '',
  internal: false,
  client_msg_id: null,
  created_at: '2025-01-01T00:00:00Z',
  ...o,
})

const url = (id: number) => `/api/v1/media/${id}/0123456789abcdef0123456789abcdef`

describe('attachmentsOf', () => {
  it('reads the signed attachments of photo and voice messages', () => {
    const m = msg({ content_type: 'image', attachments: [{ id: 7, kind: 'image', mime: 'image/png', size_bytes: 10, url: url(7) }] })
    expect(attachmentsOf(m)).toEqual([{ id: 7, kind: 'image', mime: 'image/png', size_bytes: 10, url: url(7) }])
  })
  it('drops links that are not kefu media paths, unknown kinds and text messages', () => {
    const bad = [
      { id: 1, kind: 'image', url: 'https://evil.example/x.png' },
      { id: 2, kind: 'image', url: 'javascript:alert(1)' },
      { id: 3, kind: 'image', url: '/api/v1/media/3/../../auth/me' },
      { id: 4, kind: 'video', url: url(4) },
      null,
    ]
    expect(attachmentsOf(msg({ content_type: 'image', attachments: bad }))).toEqual([])
    expect(attachmentsOf(msg({ content_type: 'text', attachments: [{ id: 5, kind: 'image', url: url(5) }] }))).toEqual([])
    expect(attachmentsOf(msg({ content_type: 'image', attachments: 'nope' }))).toEqual([])
  })
})

describe('recognised', () => {
  it('is pending until the server records a result', () => {
    expect(recognised(msg({ content_type: 'image', payload: {} })).state).toBe('pending')
  })
  it('gives the OCR text of a photo and the transcript of a voice message', () => {
    expect(recognised(msg({ content_type: 'image', payload: { media_status: 'done', ocr_text: ' Order 123 \n' } }))).toEqual({ state: 'done', text: 'Order 123', note: '' })
    expect(recognised(msg({ content_type: 'voice', payload: { media_status: 'done', transcript: 'where is my parcel', ocr_text: 'x' } })).text).toBe('where is my parcel')
  })
  it('says why there is no text', () => {
    expect(recognised(msg({ content_type: 'voice', payload: { media_status: 'skipped', media_note: 'no offline speech recognition for zh' } }))).toEqual({
      state: 'none',
      text: '',
      note: 'no offline speech recognition for zh',
    })
    expect(recognised(msg({ content_type: 'image', payload: { media_status: 'done', ocr_text: '' } })).state).toBe('none')
  })
})

describe('pendingMedia', () => {
  it('lists photo and voice messages with attachments still waiting for recognition', () => {
    const a = [{ id: 1, kind: 'image', url: url(1) }]
    const ms = [
      msg({ id: 1, content_type: 'image', attachments: a }),
      msg({ id: 2, content_type: 'image', attachments: a, payload: { media_status: 'done' } }),
      msg({ id: 3, content_type: 'text' }),
      msg({ id: 4, content_type: 'image', attachments: [] }),
      msg({ id: 5, content_type: 'voice', attachments: [{ id: 9, kind: 'voice', url: url(9) }] }),
    ]
    expect(pendingMedia(ms)).toEqual([1, 5])
  })
  it('backs off when polling', () => {
    expect(pollDelay(0)).toBe(1500)
    expect(pollDelay(1)).toBeGreaterThan(pollDelay(0))
    expect(pollDelay(100)).toBe(10000)
  })
})

describe('mergeFresh', () => {
  it('replaces re-read messages, adds new ones in id order, and keeps the array when nothing changed', () => {
    const cur = [msg({ id: 1, body: 'a' }), msg({ id: 3, body: 'c' })]
    expect(mergeFresh(cur, [])).toBe(cur)
    expect(mergeFresh(cur, [msg({ id: 1, body: 'a' })])).toBe(cur)
    const out = mergeFresh(cur, [msg({ id: 1, body: 'a', payload: { media_status: 'done' } }), msg({ id: 2, body: 'b' })])
    expect(out.map((m) => m.id)).toEqual([1, 2, 3])
    expect(out[0].payload.media_status).toBe('done')
    expect(out[2]).toBe(cur[1])
  })
})

describe('long recognised text', () => {
  it('is collapsed past the limit and clipped on whole characters', () => {
    expect(isLong('短文本')).toBe(false)
    const long = '订单'.repeat(LONG_TEXT)
    expect(isLong(long)).toBe(true)
    expect(Array.from(clip(long)).length).toBe(LONG_TEXT + 1)
    expect(clip(long).endsWith('…')).toBe(true)
    expect(isLong('a\nb\nc\nd\ne')).toBe(true)
    expect(clip('a\nb\nc\nd\ne')).toBe('a\nb\nc\nd…')
    expect(clip('short')).toBe('short')
  })
})

describe('photos to send', () => {
  it('accepts the photo types the server accepts, up to 10 MB', () => {
    expect(photoProblem({ type: 'image/png', size: 1000 })).toBe('')
    expect(photoProblem({ type: 'image/svg+xml', size: 1000 })).toBe('type')
    expect(photoProblem({ type: 'application/pdf', size: 1000 })).toBe('type')
    expect(photoProblem({ type: 'image/jpeg', size: (10 << 20) + 1 })).toBe('size')
  })
  it('picks the first image of a paste', () => {
    const text = { type: 'text/plain' } as File
    const img = { type: 'image/png' } as File
    expect(firstImage([text, img])).toBe(img)
    expect(firstImage([text])).toBeNull()
    expect(firstImage(null)).toBeNull()
  })
})

describe('countLabel', () => {
  it('shows counts, and the cap as "999+"', () => {
    expect(countLabel(0, 1000)).toBe('0')
    expect(countLabel(42, 1000)).toBe('42')
    expect(countLabel(999, 1000)).toBe('999')
    expect(countLabel(1000, 1000)).toBe('999+')
    expect(countLabel(undefined, 1000)).toBe('')
  })
})

describe('throttle', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())
  it('folds a burst into one run and keeps runs a gap apart', () => {
    const fn = vi.fn()
    const th = throttle(fn, 300, 2000)
    th.run()
    th.run()
    th.run()
    vi.advanceTimersByTime(299)
    expect(fn).toHaveBeenCalledTimes(0)
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(1)
    th.run() // right after a run: waits out the gap
    vi.advanceTimersByTime(1000)
    expect(fn).toHaveBeenCalledTimes(1)
    th.run()
    vi.advanceTimersByTime(1000)
    expect(fn).toHaveBeenCalledTimes(2)
    th.run()
    th.stop()
    vi.advanceTimersByTime(5000)
    expect(fn).toHaveBeenCalledTimes(2)
  })
})
