// Paged lists for the virtual-list pages (customers, orders, products): the loader and the
// line that says how many rows are shown or why none could be read.
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, query, type Page } from './api'
import { useApp } from './state'
import { ErrorBox } from './ui'

const PAGE = 100

/** usePaged loads a list page by page (for the virtual lists); a change of deps starts over. */
export function usePaged<T>(path: string, params: Record<string, string | number | undefined>, deps: unknown[]) {
  const [state, setState] = useState({ items: [] as T[], more: true, busy: false, error: null as unknown, loaded: false })
  const gen = useRef(0)
  const busy = useRef(false)
  const load = async (offset: number) => {
    const g = gen.current
    busy.current = true
    setState((s) => ({ ...s, busy: true }))
    try {
      const page = await api<Page<T>>('GET', path + query({ ...params, limit: PAGE, offset }))
      if (g !== gen.current) return
      setState((s) => ({ items: offset === 0 ? page.items : [...s.items, ...page.items], more: !!page.has_more, busy: false, error: null, loaded: true }))
    } catch (e) {
      if (g === gen.current) setState((s) => ({ ...s, busy: false, error: e }))
    } finally {
      if (g === gen.current) busy.current = false
    }
  }
  useEffect(() => {
    gen.current++
    setState({ items: [], more: true, busy: false, error: null, loaded: false })
    load(0)
  }, deps)
  return {
    ...state,
    loadMore: () => {
      if (!busy.current && state.more && !state.error) load(state.items.length)
    },
    reload: () => {
      gen.current++
      load(0)
    },
  }
}

/** PagedStatus shows a paged list's load error (with retry) and how many rows are loaded. */
export function PagedStatus({ list }: { list: { error: unknown; reload: () => void; more: boolean; items: unknown[] } }) {
  const { t } = useApp()
  return (
    <>
      {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
      <p class="muted small">{t(list.more ? 'countMore' : 'count', { n: list.items.length })}</p>
    </>
  )
}
