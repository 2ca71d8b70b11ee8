import { describe, expect, it } from 'vitest'
import { ApiError } from '../api'
import { fieldError, formatMap, parseMap, splitList } from './kit'
import { allowedBy } from './perms'

describe('console kit', () => {
  it('matches API field errors to fields and sub-fields', () => {
    const e = new ApiError(400, 'invalid', 'must be 0 to 100', 'tiers.gold.return_window_days')
    expect(fieldError(e, 'tiers.gold')).toBe('must be 0 to 100')
    expect(fieldError(e, 'tiers.vip')).toBeUndefined()
    expect(fieldError(new Error('x'), 'tiers')).toBeUndefined()
  })
  it('parses and formats point maps', () => {
    expect(parseMap('complaint = 3\n\nvip: 2\nbad line')).toEqual({ map: { complaint: 3, vip: 2 }, bad: [4] })
    expect(formatMap({ b: 1, a: -2 })).toBe('a = -2\nb = 1')
    expect(splitList('a, b，c\n d,,')).toEqual(['a', 'b', 'c', 'd'])
  })
  it('reads permissions from the operation table', () => {
    const ops = { '/x': { put: { 'x-permission': 'policies:write' }, get: {} } }
    expect(allowedBy(ops, ['policies:write'], 'PUT', '/x')).toBe(true)
    expect(allowedBy(ops, ['settings:write'], 'PUT', '/x')).toBe(false)
    expect(allowedBy(ops, [], 'GET', '/x')).toBe(true)
    expect(allowedBy(ops, ['policies:write'], 'DELETE', '/x')).toBe(false)
    expect(allowedBy(null, ['policies:write'], 'PUT', '/x')).toBe(false)
  })
})
