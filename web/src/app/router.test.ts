import { describe, expect, it } from 'vitest'
import { match } from './router'

describe('match', () => {
  it('matches static and parameter segments', () => {
    expect(match('/customers/:id', '/customers/12')).toEqual({ id: '12' })
    expect(match('/customers/:id', '/customers/12/')).toEqual({ id: '12' })
    expect(match('/customers/:id', '/customers')).toBeNull()
    expect(match('/console/users', '/console/users')).toEqual({})
    expect(match('/orders/:id', '/products/3')).toBeNull()
    expect(match('/x/:v', '/x/%E5%AE%A2')).toEqual({ v: '客' })
  })
})
