import { describe, expect, it } from 'vitest'
import { backoff, fromWire } from './transport'

describe('fromWire', () => {
  const base = { id: 7, conversation_id: 1, content_type: 'text', body: 'hi', created_at: '2026-11-23T00:00:00Z' }
  it('keeps the client id of the customer’s own messages', () => {
    expect(fromWire({ ...base, sender_kind: 'customer', client_msg_id: 'c-1' }, 'zh').id).toBe('c-1')
    expect(fromWire({ ...base, sender_kind: 'bot', client_msg_id: null }, 'zh').id).toBe('m7')
    expect(fromWire({ ...base, sender_kind: 'hacker' }, 'zh').from).toBe('system')
  })
  it('reads quick replies and an order card', () => {
    const m = fromWire(
      {
        ...base,
        sender_kind: 'bot',
        content_type: 'card',
        payload: {
          quick_replies: [{ label: 'Yes', text: 'yes' }, 'No', { label: '' }],
          card: { type: 'order', title: 'KF1', data: { number: 'KF1', status: 'shipped', status_label: '已发货', total_cents: 100, carrier: '顺丰', tracking_number: 'SF1', items: 2, title: '耳机', latest_event: { location: '杭州', description_zh: '到达', description_en: 'Arrived' } } },
        },
      },
      'zh',
    )
    expect(m.quick_replies).toEqual([{ label: 'Yes', text: 'yes' }, { label: 'No' }])
    expect(m.card).toMatchObject({ kind: 'order', number: 'KF1', tracking_number: 'SF1', carrier_name: '顺丰', item_count: 2, latest: '杭州 · 到达' })
  })
  it('reads a case card and ignores unknown cards', () => {
    const c = fromWire({ ...base, sender_kind: 'bot', payload: { card: { type: 'case', title: 'AS1', data: { ref: 'AS1', type: 'return', status: 'approved', status_label: 'Approved' } } } }, 'en')
    expect(c.card).toMatchObject({ kind: 'case', number: 'AS1', status_label: 'Approved' })
    expect(fromWire({ ...base, sender_kind: 'bot', payload: { card: { type: 'weird' } } }, 'en').card).toBeUndefined()
    expect(fromWire({ ...base, sender_kind: 'bot', payload: 'not an object' }, 'en').card).toBeUndefined()
  })
})

describe('backoff', () => {
  it('grows, is capped and jittered', () => {
    expect(backoff(1, () => 0)).toBe(250)
    expect(backoff(1, () => 1)).toBe(500)
    expect(backoff(4, () => 1)).toBe(4000)
    expect(backoff(50, () => 1)).toBe(30000)
  })
})
