import { useEffect, useRef, useState } from 'preact/hooks'
import { dateTime, initials } from '../../shared/format'
import { api, query, type Conversation, type Customer, type Page } from '../api'
import { navigate } from '../router'
import { useApp } from '../state'
import { A, ErrorBox, Loading, TierBadge, useAsync } from '../ui'
import { ConversationView, type ConvActions } from '../workspace/ConversationView'
import { useW } from '../workspace/messages'
import { alertsFor, defaultFilters, QUEUES, snapshot, type Filters, type Queue } from '../workspace/model'
import { useInboxFeed, type Feed } from '../workspace/feed'
import { show, usePermission } from '../workspace/notify'
import { conversationOf, QueuePane, useQueue, useQueueCounts } from '../workspace/QueuePane'
import { ShortcutHelp } from '../workspace/Shortcuts'
import '../workspace/workspace.css'

/**
 * Inbox: the agent's queues on the left (mine, my teams, unassigned, SLA at risk, bot-handled…, with counts;
 * virtualised and kept live by the agents' WebSocket inbox feed), the conversation in the middle (live over the agents'
 * WebSocket) and the ticket, after-sales and customer panels on the right. Keyboard shortcuts
 * (`?` lists them) and desktop notifications while the tab is in the background. Without the
 * conversations API (older servers) it lists recently active customers.
 */
export function Inbox({ hasConversations, id }: { hasConversations: boolean; id?: number }) {
  if (!hasConversations) return <RecentCustomers />
  return <Conversations id={id} />
}

const QUEUE_KEY = 'kefu.inbox.queue'

function Conversations({ id }: { id?: number }) {
  const { t, me, has } = useApp()
  const w = useW()
  const myId = me?.user.id ?? 0
  const [queue, setQueueState] = useState<Queue>(() => {
    const q = sessionStorage.getItem(QUEUE_KEY) as Queue | null
    return q && QUEUES.includes(q) ? q : 'agent'
  })
  const setQueue = (q: Queue) => {
    setQueueState(q)
    try {
      sessionStorage.setItem(QUEUE_KEY, q)
    } catch {
      // storage may be blocked; the queue just is not remembered
    }
  }
  const [filters, setFilters] = useState<Filters>(defaultFilters)
  const feed = useInboxFeed()
  const list = useQueue(queue, filters, myId, feed)
  const counts = useQueueCounts(feed, filters.status, has('/api/v1/conversations/counts'))
  const [help, setHelp] = useState(false)
  const notify = usePermission()
  const actions = useRef<ConvActions | null>(null)
  const listRef = useRef(list)
  listRef.current = list

  useAlerts(notify[0] === 'granted', myId, id, feed)

  // Keyboard shortcuts; `?` shows them all.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement
      if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable) return
      if (document.querySelector('[data-testid=shortcut-help], dialog[open]')) return
      const ids = listRef.current.items.map(conversationOf).filter((x): x is number => x != null)
      const i = id ? ids.indexOf(id) : -1
      const go = (n: number) => ids.length && navigate(`/inbox/${ids[Math.max(0, Math.min(ids.length - 1, n))]}`)
      const a = actions.current
      if (e.key === 'j') go(i + 1)
      else if (e.key === 'k') go(i < 0 ? 0 : i - 1)
      else if (e.key === '?') setHelp(true)
      else if (e.key >= '1' && e.key <= String(QUEUES.length)) setQueue(QUEUES[Number(e.key) - 1])
      else if (e.key === 'r' && document.getElementById('reply-box')) document.getElementById('reply-box')!.focus()
      else if (e.key === 'n' && a) a.note()
      else if (e.key === 'm' && a) a.macro()
      else if (e.key === 'a' && a) a.take()
      else if (e.key === 'b' && a) a.handBack()
      else if (e.key === 'p' && a) a.panel()
      else return
      e.preventDefault()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [id])

  return (
    <div class="inbox" data-testid="inbox">
      <QueuePane queue={queue} setQueue={setQueue} filters={filters} setFilters={setFilters} list={list} openId={id} notify={notify} online={feed.online} counts={counts.counts} />
      {id ? (
        <ConversationView
          key={id}
          id={id}
          onChange={() => {
            list.refresh()
            counts.refresh()
          }}
          actions={actions}
        />
      ) : (
        <p class="muted conv-empty">{t('inbox.pick')}</p>
      )}
      <button type="button" class="ghost keys-button" onClick={() => setHelp(true)} aria-keyshortcuts="?" data-testid="shortcuts-button">
        <span aria-hidden="true">⌨</span> <span class="sr-only">{w.t('keys.open')}</span>
      </button>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  )
}

/**
 * useAlerts shows a desktop notification, while the tab is in the background, for each new
 * handoff and each new customer message in a conversation that is the agent's or nobody's. The
 * inbox feed says when to look (and who wrote); the people's queue is then re-read and compared
 * with the last look. While the feed is down it looks every 30 s instead.
 */
function useAlerts(enabled: boolean, me: number, openId: number | undefined, feed: Feed) {
  const w = useW()
  const open = useRef(openId)
  open.current = openId
  const look = useRef<((customer?: Set<number>) => void) | null>(null)
  useEffect(() => {
    if (!enabled) return
    let prev: Map<number, string> | null = null
    let stopped = false
    let chain = Promise.resolve()
    const read = async (customer?: Set<number>) => {
      try {
        const page = await api<Page<Conversation>>('GET', '/api/v1/conversations' + query({ handled_by: 'agent', status: 'open', sort: '-last_message_at', limit: 50 }))
        if (stopped) return
        for (const a of alertsFor(prev, page.items, me, open.current, customer)) {
          const subject = a.conv.subject || `#${a.conv.id}`
          show(a.kind === 'handoff' ? w.t('notify.handoff', { subject }) : w.t('notify.activity', { subject }), subject, a.conv.id)
        }
        prev = snapshot(page.items)
      } catch {
        // the queue shows connection problems; notifications just wait for the next change
      }
    }
    // One look at a time, in order, so each compares with the one before.
    look.current = (customer) => {
      chain = chain.then(() => read(customer))
    }
    look.current()
    const off = feed.listen((b) => look.current?.(b.resync ? undefined : b.customer))
    return () => {
      stopped = true
      look.current = null
      off()
    }
  }, [enabled, me, w])
  useEffect(() => {
    if (!enabled || feed.online) return
    const timer = setInterval(() => look.current?.(), 30000)
    return () => clearInterval(timer)
  }, [enabled, feed.online])
}

/** The inbox on a server without the conversations API. */
function RecentCustomers() {
  const { t, lang } = useApp()
  const recent = useAsync(() => api<Page<Customer>>('GET', '/api/v1/customers' + query({ sort: '-last_seen_at', limit: 20 })), [])
  return (
    <section class="full-pane" aria-labelledby="inbox-title" data-testid="inbox">
      <h1 id="inbox-title">{t('inbox.title')}</h1>
      <p class="notice" role="note">
        {t('inbox.unavailable')}
      </p>
      <h2>{t('inbox.recentCustomers')}</h2>
      {recent.error != null && <ErrorBox error={recent.error} onRetry={recent.reload} />}
      {recent.loading && !recent.data && <Loading />}
      <ul class="cards">
        {(recent.data?.items ?? []).map((c) => (
          <li key={c.id}>
            <A href={`/customers/${c.id}`} class="card-link">
              <span class="avatar" aria-hidden="true">
                {initials(c.name)}
              </span>
              <span class="row-main">
                <strong>{c.name}</strong>
                <small class="muted">{dateTime(c.last_seen_at ?? c.created_at, lang)}</small>
              </span>
              <TierBadge tier={c.tier} />
            </A>
          </li>
        ))}
      </ul>
    </section>
  )
}

