// Small building blocks the console's forms share: saving with the API's field errors shown
// next to the field, comma/line list editing, and a read-only notice.
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { ApiError } from '../api'
import { ErrorBox } from '../ui'
import { useCT } from './messages'

/** fieldError returns the API's message when err names this field (or a sub-field of it). */
export function fieldError(err: unknown, ...fields: string[]): string | undefined {
  if (!(err instanceof ApiError) || !err.field) return undefined
  for (const f of fields) {
    if (err.field === f || err.field.startsWith(f + '.') || err.field.startsWith(f + '[')) return err.message
  }
  return undefined
}

/** useSave runs a save, keeping busy / error / success state for the form. */
export function useSave() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [ok, setOk] = useState('')
  const run = async <T,>(fn: () => Promise<T>, okText: string): Promise<T | undefined> => {
    setBusy(true)
    setError(null)
    setOk('')
    try {
      const r = await fn()
      setOk(okText)
      return r
    } catch (e) {
      setError(e)
      return undefined
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, ok, run, setError, clear: () => (setError(null), setOk('')) }
}

/** SaveStatus shows the outcome of a save: an error not tied to a shown field, or success. */
export function SaveStatus({ error, ok, fields }: { error: unknown; ok: string; fields?: string[] }) {
  const t = useCT()
  if (error != null) {
    if (error instanceof ApiError && error.field && (!fields || fields.some((f) => fieldError(error, f)))) {
      return (
        <p class="field-error" role="alert">
          {t('fixErrors')} ({error.field}: {error.message})
        </p>
      )
    }
    return <ErrorBox error={error} />
  }
  if (ok)
    return (
      <p class="ok" role="status">
        {ok}
      </p>
    )
  return null
}

export function ReadOnlyNote({ show }: { show: boolean }) {
  const t = useCT()
  if (!show) return null
  return <p class="notice small">{t('readOnly')}</p>
}

/** Err renders a field's error under its input (ids let inputs point at it). */
export function Err({ id, msg }: { id: string; msg?: string }) {
  if (!msg) return null
  return (
    <small class="field-error" id={id} role="alert">
      {msg}
    </small>
  )
}

export function Section({ id, title, children, intro }: { id: string; title: string; intro?: string; children: ComponentChildren }) {
  return (
    <section class="panel-form console-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {intro && <p class="muted">{intro}</p>}
      {children}
    </section>
  )
}

export const splitList = (s: string, sep: RegExp = /[,，\n]/) =>
  s
    .split(sep)
    .map((x) => x.trim())
    .filter(Boolean)

/** parseMap reads "name = 3" lines into a map of numbers; bad lines are reported by number. */
export function parseMap(s: string): { map: Record<string, number>; bad: number[] } {
  const map: Record<string, number> = {}
  const bad: number[] = []
  s.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    const m = /^\s*([^=]+?)\s*[=:：]\s*(-?\d+)\s*$/.exec(line)
    if (!m) bad.push(i + 1)
    else map[m[1]] = Number(m[2])
  })
  return { map, bad }
}

export const formatMap = (m: Record<string, number> | undefined) =>
  Object.entries(m ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')

export const inputValue = (e: Event) => (e.target as HTMLInputElement).value
