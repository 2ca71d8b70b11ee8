import { describe, expect, it } from 'vitest'
import { loadVisitor, saveVisitor } from './visitor'

class MemStorage {
  m = new Map<string, string>()
  getItem(k: string) { return this.m.get(k) ?? null }
  setItem(k: string, v: string) { this.m.set(k, v) }
  removeItem(k: string) { this.m.delete(k) }
}

describe('visitor identity', () => {
  it('is created once and kept', () => {
    const s = new MemStorage() as unknown as Storage
    const a = loadVisitor(s)
    expect(a.id).toMatch(/^[0-9a-f]{32}$/)
    saveVisitor(s, { ...a, token: 'tok' })
    const b = loadVisitor(s)
    expect(b.id).toBe(a.id)
    expect(b.token).toBe('tok')
  })
  it('replaces a corrupt entry', () => {
    const s = new MemStorage() as unknown as Storage
    s.setItem('kefu.widget.visitor', '{"id":"<script>"}')
    expect(loadVisitor(s).id).toMatch(/^[0-9a-f]{32}$/)
    s.setItem('kefu.widget.visitor', 'not json')
    expect(loadVisitor(s).id).toMatch(/^[0-9a-f]{32}$/)
  })
  it('works without storage', () => {
    expect(loadVisitor(null).id).toMatch(/^[0-9a-f]{32}$/)
  })
})
