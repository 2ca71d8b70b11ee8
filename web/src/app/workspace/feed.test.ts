import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { addFrame, batcher, emptyBatch, MAX_IDS, type Batch } from './feed'

describe('addFrame', () => {
  it('sorts frames into changed, customer-message and updated conversations', () => {
    const b = emptyBatch()
    addFrame(b, { reason: 'message', conversation_id: 1, message_id: 10, sender_kind: 'customer' })
    addFrame(b, { reason: 'message', conversation_id: 2, message_id: 11, sender_kind: 'agent' })
    addFrame(b, { reason: 'updated', conversation_id: 3 })
    addFrame(b, { reason: 'message', conversation_id: 1, message_id: 12, sender_kind: 'bot' })
    expect([...b.ids]).toEqual([1, 2, 3])
    expect([...b.customer]).toEqual([1])
    expect([...b.updated]).toEqual([3])
    expect(b.resync).toBe(false)
  })
  it('turns a resync, a frame without a conversation or too many conversations into a resync', () => {
    expect(addFrame(emptyBatch(), { reason: 'resync' }).resync).toBe(true)
    expect(addFrame(emptyBatch(), { reason: 'updated' }).resync).toBe(true)
    const b = emptyBatch()
    for (let i = 1; i <= MAX_IDS; i++) addFrame(b, { reason: 'updated', conversation_id: i })
    expect(b.resync).toBe(false)
    addFrame(b, { reason: 'updated', conversation_id: MAX_IDS + 1 })
    expect(b.resync).toBe(true)
  })
})

describe('batcher', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('flushes once after a quiet spell', () => {
    const out: Batch[] = []
    const b = batcher((x) => out.push(x), 250, 1000)
    b.add({ reason: 'message', conversation_id: 1, sender_kind: 'customer' })
    vi.advanceTimersByTime(200)
    b.add({ reason: 'updated', conversation_id: 2 })
    vi.advanceTimersByTime(200)
    expect(out).toHaveLength(0)
    vi.advanceTimersByTime(60)
    expect(out).toHaveLength(1)
    expect([...out[0].ids]).toEqual([1, 2])
  })
  it('does not let a steady stream hold the flush back beyond maxWait', () => {
    const out: Batch[] = []
    const b = batcher((x) => out.push(x), 250, 1000)
    for (let t = 0; t < 1000; t += 100) {
      b.add({ reason: 'updated', conversation_id: t + 1 })
      vi.advanceTimersByTime(100)
    }
    expect(out).toHaveLength(1)
    expect(out[0].ids.size).toBe(10)
    b.add({ reason: 'updated', conversation_id: 5000 })
    vi.advanceTimersByTime(250)
    expect(out).toHaveLength(2)
    expect([...out[1].ids]).toEqual([5000])
  })
  it('drops what is pending when stopped', () => {
    const out: Batch[] = []
    const b = batcher((x) => out.push(x))
    b.add({ reason: 'resync' })
    b.stop()
    vi.advanceTimersByTime(5000)
    expect(out).toHaveLength(0)
  })
})
