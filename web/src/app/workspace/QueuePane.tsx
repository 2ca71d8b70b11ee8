import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, ApiError, query, type Conversation, type Page } from '../api'
import type { Key } from '../messages'
import { useApp } from '../state'
import { A, ErrorBox, VirtualList } from '../ui'
import { useW } from './messages'
import type { Batch, Feed } from './feed'
import { BellIcon } from './icons'
import { countLabel, throttle, type QueueCounts } from './media'
import { appendPage, keepAnchor, matchesQueue, mergeHead, patchRows, queueSource, QUEUES, type Filters, type Queue, type Ticket } from './model'
import type { Permission } from './notify'

const PAGE = 100
const ROW = 60

export type Row = { kind: 'conv'; c: Conversation; id: number } | { kind: 'ticket'; t: Ticket; id: number }

/** conversationOf is where a queue row leads (tickets without a chat lead nowhere). */
export function conversationOf(r: Row): number | null {
  return r.kind === 'conv' ? r.c.id : r.t.conversation_id
}

/** FALLBACK_POLL is how often a queue is re-read while the live inbox feed is down. */
const FALLBACK_POLL = 30000

/** DEEP_READS bounds the rows below the first page re-read one by one after a batch of changes. */
const DEEP_READS = 10

/**
 * useQueue reads a queue page by page (offsets) and keeps it live from the inbox feed: each
 * batch of changes re-reads the first page (merged in without losing the scrolled position) and
 * re-reads changed rows further down, updating or dropping them in place. Only while the feed
 * is down is the queue polled, slowly. The SLA queue lists tickets, whose risk grows with the
 * clock rather than with conversation changes, so it is also re-read every 30 s.
 */
export function useQueue(queue: Queue, filters: Filters, me: number, feed: Feed) {
  const src = queueSource(queue, filters, me)
  const key = src.path + query(src.params)
  const tickets = src.path === '/api/v1/tickets'
  const [state, setState] = useState({ items: [] as Row[], more: true, loaded: false, error: null as unknown })
  const gen = useRef(0)
  const busy = useRef(false)
  const again = useRef(false)
  const moreWanted = useRef(false)
  const items = useRef<Row[]>([])
  items.current = state.items

  const toRows = (data: Page<Conversation | Ticket>): Row[] =>
    tickets ? (data.items as Ticket[]).map((t) => ({ kind: 'ticket', t, id: t.id })) : (data.items as Conversation[]).map((c) => ({ kind: 'conv', c, id: c.id }))

  const fetchPage = async (offset: number) => toRows(await api<Page<Conversation | Ticket>>('GET', src.path + query({ ...src.params, limit: PAGE, offset })))

  const loadMore = async () => {
    if (!state.more || state.error) return
    if (busy.current) {
      // The list asks once when its end comes into view; a read under way must not swallow it.
      moreWanted.current = true
      return
    }
    const g = gen.current
    busy.current = true
    try {
      const page = await api<Page<Conversation | Ticket>>('GET', src.path + query({ ...src.params, limit: PAGE, offset: items.current.length }))
      if (g !== gen.current) return
      setState((s) => ({ items: appendPage(s.items, toRows(page)), more: !!page.has_more, loaded: true, error: null }))
    } catch (e) {
      if (g === gen.current) setState((s) => ({ ...s, error: e }))
    } finally {
      if (g === gen.current) release()
    }
  }

  // release ends a read; a refresh or further page asked for meanwhile runs now.
  const release = () => {
    busy.current = false
    if (again.current) {
      again.current = false
      refresh()
    } else if (moreWanted.current) {
      moreWanted.current = false
      loadMoreRef.current()
    }
  }

  // refresh re-reads the first page. One asked for while another read runs is not dropped: it
  // runs right after, since the change that asked for it may be newer than the read under way.
  const refresh = async (): Promise<Row[] | null> => {
    if (busy.current) {
      again.current = true
      return null
    }
    const g = gen.current
    busy.current = true
    let fresh: Row[] | null = null
    try {
      const page = await api<Page<Conversation | Ticket>>('GET', src.path + query({ ...src.params, limit: PAGE, offset: 0 }))
      if (g !== gen.current) return null
      fresh = toRows(page)
      const head = fresh
      setState((s) => ({ items: mergeHead(s.items, head, !page.has_more, PAGE), more: s.items.length > PAGE ? s.more : !!page.has_more, loaded: true, error: null }))
    } catch (e) {
      if (g === gen.current) setState((s) => ({ ...s, loaded: true, error: e }))
    } finally {
      if (g === gen.current) release()
    }
    return fresh
  }

  // A batch from the inbox feed: re-read the head, then the changed rows below it.
  const apply = async (b: Batch) => {
    const g = gen.current
    const before = items.current
    const fresh = await refresh()
    if (tickets || b.resync || g !== gen.current) return
    const head = new Set((fresh ?? before.slice(0, PAGE)).map((r) => r.id))
    const deep = [...b.ids].filter((id) => !head.has(id) && before.some((r) => r.id === id)).slice(0, DEEP_READS)
    if (deep.length === 0) return
    const changed = new Map<number, Row | null>()
    await Promise.all(
      deep.map(async (id) => {
        try {
          const c = await api<Conversation>('GET', `/api/v1/conversations/${id}`)
          changed.set(id, matchesQueue(c, queue, filters, me) ? { kind: 'conv', c, id } : null)
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) changed.set(id, null)
        }
      }),
    )
    if (g === gen.current) setState((s) => ({ ...s, items: patchRows(s.items, changed) }))
  }
  const applyRef = useRef(apply)
  applyRef.current = apply
  const loadMoreRef = useRef(loadMore)
  loadMoreRef.current = loadMore

  useEffect(() => {
    gen.current++
    busy.current = false
    again.current = false
    moreWanted.current = false
    setState({ items: [], more: true, loaded: false, error: null })
    refresh()
  }, [key])

  useEffect(() => feed.listen((b) => applyRef.current(b)), [feed.listen])

  // The fallback: poll slowly while the feed is down (and the SLA queue always), and re-read
  // at once when the agent comes back to the tab while it is down.
  useEffect(() => {
    if (feed.online && !tickets) return
    const timer = setInterval(() => refresh(), FALLBACK_POLL)
    const onVisible = () => document.visibilityState === 'visible' && !feed.online && refresh()
    document.addEventListener('visibilitychange', onVisible)
    return () => {
      clearInterval(timer)
      document.removeEventListener('visibilitychange', onVisible)
    }
  }, [key, feed.online])

  return { ...state, loadMore, refresh, fetchPage }
}

/** COUNTS_QUIET and COUNTS_GAP pace the tab counts: a burst of inbox changes costs one read, at most one per 2 s. */
const COUNTS_QUIET = 300
const COUNTS_GAP = 2000

/**
 * useQueueCounts keeps the queue tabs' counts: read once, then again (throttled) whenever the
 * inbox feed reports changes, or every 30 s while the feed is down. Each count stops at the
 * server's cap ("999+"), so the read stays cheap on a large database.
 */
export function useQueueCounts(feed: Feed, status: string, enabled: boolean) {
  const [counts, setCounts] = useState<QueueCounts | null>(null)
  const seq = useRef(0)
  const read = async () => {
    const n = ++seq.current
    try {
      const c = await api<QueueCounts>('GET', '/api/v1/conversations/counts' + query({ status }))
      if (n === seq.current) setCounts(c) // an older read finishing late must not win
    } catch {
      // the tabs just keep their last counts; the queue itself shows connection problems
    }
  }
  const readRef = useRef(read)
  readRef.current = read
  const pace = useRef<ReturnType<typeof throttle> | null>(null)
  pace.current ??= throttle(() => readRef.current(), COUNTS_QUIET, COUNTS_GAP)
  useEffect(() => {
    if (enabled) read()
  }, [status, enabled])
  useEffect(() => (enabled ? feed.listen(() => pace.current?.run()) : undefined), [feed.listen, enabled])
  useEffect(() => {
    if (!enabled || feed.online) return
    const timer = setInterval(() => readRef.current(), FALLBACK_POLL)
    return () => clearInterval(timer)
  }, [enabled, feed.online])
  useEffect(() => () => pace.current?.stop(), [])
  return { counts, refresh: () => pace.current?.run() }
}

export function QueuePane({
  queue,
  setQueue,
  filters,
  setFilters,
  list,
  openId,
  notify,
  online,
  counts,
}: {
  queue: Queue
  setQueue(q: Queue): void
  filters: Filters
  setFilters(f: Filters): void
  list: ReturnType<typeof useQueue>
  openId?: number
  notify: [Permission, () => void]
  online: boolean
  counts: QueueCounts | null
}) {
  const { t } = useApp()
  const w = useW()
  const [perm, ask] = notify
  const set = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch })
  // Rows arriving at the head must not push what the agent is looking at down the list.
  const wrap = useRef<HTMLDivElement>(null)
  const shown = useRef<number[]>([])
  useLayoutEffect(() => {
    const ids = list.items.map((r) => r.id)
    const box = wrap.current?.querySelector<HTMLElement>('.vlist')
    if (box && box.scrollTop > 0) {
      const top = keepAnchor(shown.current, ids, box.scrollTop, ROW)
      if (top !== box.scrollTop) box.scrollTop = top
    }
    shown.current = ids
  }, [list.items])
  return (
    <section class="queue-pane" aria-labelledby="inbox-title">
      <div class="queue-head">
        <h1 id="inbox-title">{t('inbox.title')}</h1>
        <span class={`live-state ${online ? 'on' : 'off'}`} data-testid="inbox-live" data-live={online ? 'on' : 'off'} title={online ? w.t('q.liveTitle') : w.t('q.offlineTitle')}>
          <span class="live-dot" aria-hidden="true" />
          {online ? w.t('q.live') : w.t('q.offline')}
        </span>
        {perm !== 'unsupported' && (
          <button
            type="button"
            class={`ghost bell ${perm}`}
            data-testid="notify-toggle"
            onClick={ask}
            aria-pressed={perm === 'granted'}
            disabled={perm === 'denied'}
            title={perm === 'granted' ? w.t('notify.on') : perm === 'denied' ? w.t('notify.denied') : w.t('notify.enable')}
          >
            <BellIcon />
            <span class="sr-only">{perm === 'granted' ? w.t('notify.on') : perm === 'denied' ? w.t('notify.denied') : w.t('notify.enable')}</span>
          </button>
        )}
      </div>
      <div class="tabs" role="tablist" aria-label={t('inbox.queues')}>
        {QUEUES.map((q, i) => (
          <button
            key={q}
            type="button"
            role="tab"
            aria-selected={queue === q}
            aria-keyshortcuts={String(i + 1)}
            class={queue === q ? 'tab active' : 'tab'}
            onClick={() => setQueue(q)}
            data-queue={q}
          >
            {w.t(('q.' + q) as 'q.agent')}
            <TabCount counts={counts} q={q} />
          </button>
        ))}
      </div>
      <div class="qfilters" role="group" aria-label={w.t('f.filters')}>
        {queue === 'sla' ? (
          <>
            <label>
              <span class="sr-only">{w.t('f.priority')}</span>
              <select value={filters.priority} onChange={(e) => set({ priority: (e.target as HTMLSelectElement).value })} aria-label={w.t('f.priority')} data-testid="filter-priority">
                <option value="">
                  {w.t('f.priority')}: {w.t('f.any')}
                </option>
                {['urgent', 'high', 'normal', 'low'].map((p) => (
                  <option key={p} value={p}>
                    {w.label('prio.', p)}
                  </option>
                ))}
              </select>
            </label>
            <label class="check">
              <input type="checkbox" checked={filters.breached} onChange={(e) => set({ breached: (e.target as HTMLInputElement).checked })} /> {w.t('f.breached')}
            </label>
          </>
        ) : (
          queue !== 'closed' && (
            <label>
              <span class="sr-only">{w.t('f.status')}</span>
              <select value={filters.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })} aria-label={w.t('f.status')} data-testid="filter-status">
                {['open', 'waiting', 'closed'].map((s) => (
                  <option key={s} value={s}>
                    {t(('conv.status.' + s) as Key)}
                  </option>
                ))}
                <option value="">{w.t('f.any')}</option>
              </select>
            </label>
          )
        )}
        <label>
          <span class="sr-only">{w.t('f.sort')}</span>
          <select value={filters.sort} onChange={(e) => set({ sort: (e.target as HTMLSelectElement).value as Filters['sort'] })} aria-label={w.t('f.sort')}>
            <option value="newest">{w.t('f.newest')}</option>
            <option value="oldest">{w.t('f.oldest')}</option>
          </select>
        </label>
      </div>
      {list.error != null && <ErrorBox error={list.error} onRetry={list.refresh} />}
      {list.loaded && list.items.length === 0 && !list.error && <p class="muted">{t('inbox.noConversations')}</p>}
      <div ref={wrap}>
        <VirtualList items={list.items} rowHeight={ROW} label={t('inbox.title')} onEnd={list.loadMore} height="calc(100vh - 250px)" render={(r) => <QueueRow r={r} openId={openId} />} />
      </div>
      <p class="muted small queue-foot" aria-live="polite">
        {list.loaded && (list.more ? w.t('q.loadedMore', { n: list.items.length }) : w.t('q.loaded', { n: list.items.length }))}
      </p>
    </section>
  )
}

function TabCount({ counts, q }: { counts: QueueCounts | null; q: Queue }) {
  const w = useW()
  if (!counts || !(q in counts) || q === 'sla' || q === 'closed') return null
  const label = countLabel(counts[q as keyof QueueCounts], counts.cap)
  return (
    <span class="qcount" data-testid={`qcount-${q}`} title={w.t('q.count', { n: label })}>
      {label}
    </span>
  )
}

function QueueRow({ r, openId }: { r: Row; openId?: number }) {
  const { t, lang } = useApp()
  const w = useW()
  if (r.kind === 'conv') {
    const c = r.c
    return (
      <A href={`/inbox/${c.id}`} class={`row-link conv-row ${c.id === openId ? 'selected' : ''}`} current={c.id === openId}>
        <span class={`dot hb-${c.handled_by}`} aria-hidden="true" />
        <span class="row-main">
          <strong>
            {c.subject || t('conv.title', { id: c.id })}
            {c.customer_id ? '' : ' · ' + t('inbox.visitor')}
          </strong>
          <small class="muted">
            {t(('conv.handledBy.' + c.handled_by) as Key)} · {dateTime(c.last_message_at ?? c.created_at, lang)}
          </small>
        </span>
        <span class="badge">{t(('conv.status.' + c.status) as Key)}</span>
      </A>
    )
  }
  const tk = r.t
  const due = tk.first_responded_at ? tk.resolution_due_at : tk.first_response_due_at
  const inner = (
    <>
      <span class={`dot prio-${tk.priority}`} aria-hidden="true" />
      <span class="row-main">
        <strong>
          {tk.ref} · {tk.subject}
        </strong>
        <small class="muted">
          {w.label('prio.', tk.priority)} · {due ? w.t('row.due', { when: dateTime(due, lang) }) : w.label('tstatus.', tk.status)}
        </small>
      </span>
      <span class={`badge ${tk.sla_breached ? 'sla-breached' : 'sla-warning'}`}>{tk.sla_breached ? w.t('sla.breached') : w.t('sla.warning')}</span>
    </>
  )
  const conv = tk.conversation_id
  return conv ? (
    <A href={`/inbox/${conv}`} class={`row-link conv-row ticket-row ${conv === openId ? 'selected' : ''}`} current={conv === openId}>
      {inner}
    </A>
  ) : (
    <div class="row-link ticket-row" title={w.t('row.ticket', { ref: tk.ref })}>
      {inner}
    </div>
  )
}
