import { describe, expect, it } from 'vitest'
import type { Conversation } from '../api'
import { alertsFor, appendPage, clock, defaultFilters, duration, expandMacro, keepAnchor, matchesQueue, mergeHead, patchRows, queueSource, snapshot, toCents } from './model'

const conv = (id: number, at: string, extra: Partial<Conversation> = {}): Conversation =>
  ({ id, customer_id: 1, channel: 'web', status: 'open', handled_by: 'agent', assignee_id: null, team_id: null, subject: '', lang: 'zh', created_at: at, updated_at: at, last_message_at: at, ...extra }) as Conversation

describe('queueSource', () => {
  it('maps each queue to its list and filters', () => {
    expect(queueSource('unassigned', defaultFilters, 7)).toEqual({ path: '/api/v1/conversations', params: { sort: '-last_message_at', status: 'open', handled_by: 'agent', assignee_id: 'unassigned' } })
    expect(queueSource('mine', { ...defaultFilters, sort: 'oldest' }, 7).params).toEqual({ sort: 'last_message_at', status: 'open', assignee_id: 7 })
    expect(queueSource('team', defaultFilters, 7).params.team_id).toBe('mine')
    expect(queueSource('closed', { ...defaultFilters, status: '' }, 7).params.status).toBe('closed')
    expect(queueSource('sla', { ...defaultFilters, priority: 'high', breached: true }, 7)).toEqual({ path: '/api/v1/tickets', params: { sla_at_risk: 'true', sort: '-updated_at', priority: 'high', breached: 'true' } })
  })
})

describe('mergeHead / appendPage', () => {
  const ids = (xs: { id: number }[]) => xs.map((x) => x.id)
  it('replaces a short list and keeps the scrolled tail of a long one', () => {
    expect(ids(mergeHead([{ id: 1 }, { id: 2 }], [{ id: 3 }, { id: 1 }], true, 2))).toEqual([3, 1])
    const current = [1, 2, 3, 4, 5, 6].map((id) => ({ id }))
    // 2 moved to the top, 3 left the queue (was in the head window), 5 is also in the fresh head.
    expect(ids(mergeHead(current, [{ id: 2 }, { id: 1 }, { id: 5 }], false, 3))).toEqual([2, 1, 5, 4, 6])
  })
  it('skips rows already shown when offsets shift', () => {
    expect(ids(appendPage([{ id: 1 }, { id: 2 }], [{ id: 2 }, { id: 3 }]))).toEqual([1, 2, 3])
  })
})

describe('alertsFor', () => {
  it('announces new handoffs and activity for me or nobody, never on the first look', () => {
    const a = [conv(1, '2026-01-01T10:00:00Z'), conv(2, '2026-01-01T10:00:00Z', { assignee_id: 9 })]
    expect(alertsFor(null, a, 7)).toEqual([])
    const prev = snapshot(a)
    const b = [conv(1, '2026-01-01T10:05:00Z'), conv(2, '2026-01-01T10:05:00Z', { assignee_id: 9 }), conv(3, '2026-01-01T10:06:00Z', { assignee_id: 7 }), conv(4, '2026-01-01T10:06:00Z')]
    expect(alertsFor(prev, b, 7, 4).map((x) => [x.kind, x.conv.id])).toEqual([
      ['activity', 1],
      ['handoff', 3],
    ])
  })
})

describe('SLA clock and durations', () => {
  it('counts down, goes overdue and freezes while paused', () => {
    const now = Date.parse('2026-01-01T10:00:00Z')
    expect(clock('2026-01-01T10:30:00Z', 'running', null, now)).toEqual({ ms: 30 * 60000, state: 'running' })
    expect(clock('2026-01-01T09:59:00Z', 'warning', null, now)).toEqual({ ms: -60000, state: 'breached' })
    expect(clock('2026-01-01T10:30:00Z', 'paused', '2026-01-01T09:00:00Z', now)).toEqual({ ms: 90 * 60000, state: 'paused' })
    expect(clock('2026-01-01T10:30:00Z', 'met', null, now)?.state).toBe('met')
    expect(clock(null, 'running', null, now)).toBeNull()
    expect(duration(90 * 60000)).toBe('1h 30m')
    expect(duration(-65000)).toBe('1m 05s')
    expect(duration(3 * 86400000 + 7200000)).toBe('3d 2h')
  })
})

describe('expandMacro and amounts', () => {
  it('fills known variables and lists the missing ones', () => {
    expect(expandMacro('您好 {customer.name}，订单 {order.number} {{ok}', { 'customer.name': '王小明' })).toEqual({ text: '您好 王小明，订单 {order.number} {ok}', missing: ['order.number'] })
  })
  it('reads yuan as fen', () => {
    expect(toCents('12.5')).toBe(1250)
    expect(toCents('899')).toBe(89900)
    expect(toCents('1.234')).toBeNull()
    expect(toCents('-1')).toBeNull()
  })
})

describe('live inbox rules', () => {
  const at = '2026-01-01T00:00:00Z'
  it('matchesQueue keeps a re-read conversation only in the queues it still belongs to', () => {
    const mine = conv(1, at, { assignee_id: 7 })
    expect(matchesQueue(mine, 'mine', defaultFilters, 7)).toBe(true)
    expect(matchesQueue(mine, 'mine', defaultFilters, 8)).toBe(false)
    expect(matchesQueue(mine, 'unassigned', defaultFilters, 7)).toBe(false)
    expect(matchesQueue(conv(2, at), 'unassigned', defaultFilters, 7)).toBe(true)
    expect(matchesQueue(conv(3, at, { status: 'closed' }), 'agent', defaultFilters, 7)).toBe(false)
    expect(matchesQueue(conv(3, at, { status: 'closed' }), 'agent', { ...defaultFilters, status: '' }, 7)).toBe(true)
    expect(matchesQueue(conv(3, at, { status: 'closed' }), 'closed', defaultFilters, 7)).toBe(true)
    expect(matchesQueue(conv(4, at, { handled_by: 'bot' }), 'bot', defaultFilters, 7)).toBe(true)
    expect(matchesQueue(conv(4, at, { handled_by: 'bot' }), 'agent', defaultFilters, 7)).toBe(false)
    expect(matchesQueue(conv(5, at, { team_id: 2 }), 'team', defaultFilters, 7)).toBe(true)
    expect(matchesQueue(conv(6, at), 'team', defaultFilters, 7)).toBe(false)
  })
  it('patchRows updates rows in place and drops those that left', () => {
    const rows = [1, 2, 3, 4].map((id) => ({ id, v: 'old' }))
    const out = patchRows(rows, new Map([[2, { id: 2, v: 'new' }], [3, null], [9, { id: 9, v: 'not shown' }]]))
    expect(out).toEqual([{ id: 1, v: 'old' }, { id: 2, v: 'new' }, { id: 4, v: 'old' }])
    expect(patchRows(rows, new Map())).toBe(rows)
  })
  it('keepAnchor keeps the top visible row in view when rows arrive above it', () => {
    const prev = [10, 11, 12, 13, 14, 15]
    // Scrolled to row 2 (id 12) plus 5 px; two new rows arrive at the head.
    expect(keepAnchor(prev, [1, 2, ...prev], 2 * 60 + 5, 60)).toBe(4 * 60 + 5)
    // At the top the agent sees new arrivals.
    expect(keepAnchor(prev, [1, 2, ...prev], 0, 60)).toBe(0)
    // The anchor row left the queue: the next surviving row keeps its place.
    expect(keepAnchor(prev, [1, 10, 11, 13, 14, 15], 2 * 60, 60)).toBe(2 * 60)
    // Nothing survives: leave the offset alone.
    expect(keepAnchor(prev, [1, 2], 3 * 60, 60)).toBe(3 * 60)
  })
  it('alertsFor announces activity only for customer messages when the feed says who wrote', () => {
    const prev = snapshot([conv(1, at), conv(2, at)])
    const later = '2026-01-01T00:01:00Z'
    const fresh = [conv(1, later), conv(2, later), conv(3, later)]
    expect(alertsFor(prev, fresh, 7, undefined, new Set([2])).map((a) => [a.kind, a.conv.id])).toEqual([
      ['activity', 2],
      ['handoff', 3],
    ])
    expect(alertsFor(prev, fresh, 7).map((a) => a.conv.id)).toEqual([1, 2, 3])
  })
})
