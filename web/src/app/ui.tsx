import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { LANGS, type Lang } from '../shared/i18n'
import { ApiError } from './api'
import { onLinkClick } from './router'
import { useApp } from './state'
import { appDicts, type Key } from './messages'

export function LangSwitch() {
  const { lang, setLang, t } = useApp()
  return (
    <label class="lang-switch">
      <span class="sr-only">{t('language')}</span>
      <select value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)} aria-label={t('language')} data-testid="lang-switch">
        {LANGS.map((l) => (
          <option key={l} value={l}>
            {l === 'zh-CN' ? '中文' : 'English'}
          </option>
        ))}
      </select>
    </label>
  )
}

export function A({ href, children, class: cls, current }: { href: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a href={href} class={cls} onClick={onLinkClick} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  )
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useApp()
  const message = error instanceof ApiError ? `${error.message} (${error.code})` : String((error as Error)?.message ?? error)
  return (
    <div class="error" role="alert">
      <span>{t('error', { message })}</span>
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  )
}

export function Loading() {
  const { t } = useApp()
  return (
    <p class="muted" role="status">
      {t('loading')}
    </p>
  )
}

/** useAsync runs load whenever deps change and keeps the latest result, error and a reload. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true })
  const [n, setN] = useState(0)
  useEffect(() => {
    let live = true
    setState((s) => ({ data: s.data, loading: true }))
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    )
    return () => {
      live = false
    }
  }, [...deps, n])
  return { ...state, reload: () => setN((x) => x + 1) }
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useApp()
  const key = ('status.' + status) as Key
  return <span class={`badge st-${status}`}>{knownKey(key) ? t(key) : status}</span>
}

export function TierBadge({ tier }: { tier: string }) {
  const { t } = useApp()
  const key = ('tier.' + tier) as Key
  return <span class={`badge tier-${tier}`}>{knownKey(key) ? t(key) : tier}</span>
}

function knownKey(k: string): k is Key {
  return k in appDicts.en
}

/**
 * VirtualList renders only the rows in view (plus a margin), so a list of tens of thousands of
 * rows scrolls smoothly. Rows have a fixed height. onEnd fires near the bottom to load more.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  render,
  onEnd,
  label,
  height = '100%',
}: {
  items: T[]
  rowHeight: number
  render: (item: T, index: number) => ComponentChildren
  onEnd?: () => void
  label: string
  height?: string
}) {
  const box = useRef<HTMLDivElement>(null)
  const [top, setTop] = useState(0)
  const [view, setView] = useState(600)
  useEffect(() => {
    const el = box.current
    if (!el) return
    const measure = () => setView(el.clientHeight || 600)
    measure()
    const ro = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(measure) : null
    ro?.observe(el)
    return () => ro?.disconnect()
  }, [])
  const overscan = 8
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan)
  const last = Math.min(items.length, Math.ceil((top + view) / rowHeight) + overscan)
  useEffect(() => {
    if (onEnd && items.length > 0 && last >= items.length - overscan) onEnd()
  }, [last, items.length])
  const rows = []
  for (let i = first; i < last; i++) {
    rows.push(
      <div role="listitem" class="vrow" key={i} style={`position:absolute;top:${i * rowHeight}px;left:0;right:0;height:${rowHeight}px`}>
        {render(items[i], i)}
      </div>,
    )
  }
  return (
    <div class="vlist" ref={box} style={`height:${height}`} onScroll={(e) => setTop((e.currentTarget as HTMLDivElement).scrollTop)} role="list" aria-label={label} aria-rowcount={items.length}>
      <div style={`position:relative;height:${items.length * rowHeight}px`}>{rows}</div>
    </div>
  )
}

/** Field wraps a labelled input. */
export function Field({ label, children, error }: { label: string; children: ComponentChildren; error?: string }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
      {error && (
        <small class="field-error" role="alert">
          {error}
        </small>
      )}
    </label>
  )
}
