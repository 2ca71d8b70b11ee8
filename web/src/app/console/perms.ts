// Which operations may the signed-in user perform? The server's OpenAPI document names the
// permission of every operation (x-permission), so the console asks it instead of hard-coding
// roles: when a permission moves (say, supervisors gain policies:write) the console follows.
import { useEffect, useState } from 'preact/hooks'
import { api } from '../api'
import { useApp } from '../state'

type Ops = Record<string, Record<string, { 'x-permission'?: string }>>

let opsPromise: Promise<Ops> | null = null
function opsOnce(): Promise<Ops> {
  opsPromise ??= api<{ paths: Ops }>('GET', '/api/v1/openapi.json').then(
    (d) => d.paths ?? {},
    () => ({}),
  )
  return opsPromise
}

/** allowedBy reports whether perms allow method+path according to the operation table. */
export function allowedBy(ops: Ops | null, perms: readonly string[], method: string, path: string): boolean {
  const op = ops?.[path]?.[method.toLowerCase()]
  if (!op) return false
  const need = op['x-permission']
  return !need || perms.includes(need)
}

/** useAllowed returns allowed(method, path); false until the operation table has loaded. */
export function useAllowed() {
  const { me } = useApp()
  const [ops, setOps] = useState<Ops | null>(null)
  useEffect(() => {
    let live = true
    opsOnce().then((o) => live && setOps(o))
    return () => {
      live = false
    }
  }, [])
  return (method: string, path: string) => allowedBy(ops, me?.permissions ?? [], method, path)
}
