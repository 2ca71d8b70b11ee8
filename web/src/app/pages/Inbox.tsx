import { Fragment } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { dateTime, initials } from '../../shared/format'
import { api, query, type Conversation, type Customer, type Message, type Page } from '../api'
import { follow, type Live } from '../live'
import type { Key } from '../messages'
import { navigate } from '../router'
import { useApp } from '../state'
import { A, ErrorBox, Loading, TierBadge, useAsync, VirtualList } from '../ui'
import { Customer360, usePaged } from './Customers'

type Queue = 'agent' | 'mine' | 'bot' | 'all' | 'closed'
const QUEUES: Queue[] = ['agent', 'mine', 'bot', 'all', 'closed']

/**
 * Inbox: queues of conversations on the left (virtualised, refreshed every few seconds), the
 * conversation in the middle (live over the agents' WebSocket) and the customer's 360° view on
 * the right. Without the conversations API (older servers) it lists recently active customers.
 */
export function Inbox({ hasConversations, id }: { hasConversations: boolean; id?: number }) {
  if (!hasConversations) return <RecentCustomers />
  return <Conversations id={id} />
}

function queueParams(q: Queue, me: number): Record<string, string | number> {
  switch (q) {
    case 'agent':
      return { handled_by: 'agent', status: 'open' }
    case 'mine':
      return { assignee_id: me, status: 'open' }
    case 'bot':
      return { handled_by: 'bot', status: 'open' }
    case 'closed':
      return { status: 'closed' }
  }
  return { status: 'open' }
}

function Conversations({ id }: { id?: number }) {
  const { t, lang, me } = useApp()
  const [queue, setQueue] = useState<Queue>('agent')
  const list = usePaged<Conversation>('/api/v1/conversations', { ...queueParams(queue, me?.user.id ?? 0), sort: '-last_message_at' }, [queue])
  // Live-ish queue: refresh the first page while the agent has not scrolled past it.
  const listRef = useRef(list)
  listRef.current = list
  useEffect(() => {
    const timer = setInterval(() => {
      const l = listRef.current
      if (!l.busy && l.items.length <= 100 && document.visibilityState === 'visible') l.reload()
    }, 4000)
    return () => clearInterval(timer)
  }, [queue])

  // Keyboard: j / k open the next / previous conversation, r jumps to the reply box.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement
      if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable) return
      const items = listRef.current.items
      const i = items.findIndex((c) => c.id === id)
      if (e.key === 'j' && items.length) navigate(`/inbox/${items[Math.min(items.length - 1, i + 1)].id}`)
      else if (e.key === 'k' && items.length) navigate(`/inbox/${items[Math.max(0, i - 1)].id}`)
      else if (e.key === 'r') {
        const box = document.getElementById('reply-box')
        if (box) {
          e.preventDefault()
          box.focus()
        }
      } else return
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [id])

  return (
    <div class="inbox" data-testid="inbox">
      <section class="queue-pane" aria-labelledby="inbox-title">
        <h1 id="inbox-title">{t('inbox.title')}</h1>
        <div class="tabs" role="tablist" aria-label={t('inbox.queues')}>
          {QUEUES.map((q) => (
            <button key={q} type="button" role="tab" aria-selected={queue === q} class={queue === q ? 'tab active' : 'tab'} onClick={() => setQueue(q)} data-queue={q}>
              {t(('inbox.queue.' + q) as Key)}
            </button>
          ))}
        </div>
        {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
        {list.loaded && list.items.length === 0 && !list.error && <p class="muted">{t('inbox.noConversations')}</p>}
        <VirtualList
          items={list.items}
          rowHeight={60}
          label={t('inbox.title')}
          onEnd={list.loadMore}
          height="calc(100vh - 215px)"
          render={(c) => (
            <A href={`/inbox/${c.id}`} class={`row-link conv-row ${c.id === id ? 'selected' : ''}`} current={c.id === id}>
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
          )}
        />
        <p class="muted small shortcuts">{t('inbox.shortcuts')}</p>
      </section>
      {id ? <ConversationView key={id} id={id} onChange={list.reload} /> : <p class="muted conv-empty">{t('inbox.pick')}</p>}
    </div>
  )
}

function ConversationView({ id, onChange }: { id: number; onChange(): void }) {
  const { t, me, has } = useApp()
  const conv = useAsync(() => api<Conversation>('GET', `/api/v1/conversations/${id}`), [id])
  const [messages, setMessages] = useState<Message[]>([])
  const [loaded, setLoaded] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [online, setOnline] = useState(false)
  const [typing, setTyping] = useState(false)
  const [draft, setDraft] = useState('')
  const [internal, setInternal] = useState(false)
  const [busy, setBusy] = useState(false)
  const log = useRef<HTMLDivElement>(null)
  const live = useRef<Live | null>(null)
  const typingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const stopTyping = () => {
    if (typingTimer.current !== undefined) {
      clearTimeout(typingTimer.current)
      typingTimer.current = undefined
      live.current?.typing(false)
    }
  }
  const keyTyped = () => {
    if (internal) return // notes are not for the customer's eyes, not even as "typing…"
    if (typingTimer.current === undefined) live.current?.typing(true)
    else clearTimeout(typingTimer.current)
    typingTimer.current = setTimeout(stopTyping, 3000)
  }

  const add = (m: Message) =>
    setMessages((ms) => {
      const i = ms.findIndex((x) => x.id === m.id)
      if (i >= 0) return ms
      return [...ms, m].sort((a, b) => a.id - b.id)
    })

  // Full history first, then live updates from the last id.
  useEffect(() => {
    let stop = () => {}
    let active = true
    ;(async () => {
      let after = 0
      const all: Message[] = []
      for (let i = 0; i < 50; i++) {
        const page = await api<{ items: Message[]; next_after_id: number; has_more: boolean }>('GET', `/api/v1/conversations/${id}/messages` + query({ after_id: after, limit: 200 }))
        all.push(...page.items)
        after = page.next_after_id
        if (!page.has_more) break
      }
      if (!active) return
      setMessages(all)
      setLoaded(true)
      live.current = follow(id, after, { message: add, typing: setTyping, status: setOnline })
      stop = () => live.current?.stop()
    })().catch((e) => active && setError(e))
    return () => {
      active = false
      stop()
    }
  }, [id])

  useEffect(() => {
    const el = log.current
    if (el) el.scrollTop = el.scrollHeight
  }, [messages.length, typing])

  const patch = async (body: Record<string, unknown>) => {
    try {
      await api('PATCH', `/api/v1/conversations/${id}`, body)
      conv.reload()
      onChange()
    } catch (e) {
      setError(e)
    }
  }

  const send = async (e?: Event) => {
    e?.preventDefault()
    const body = draft.trim()
    if (!body || busy) return
    setBusy(true)
    try {
      const res = await api<{ message: Message }>('POST', `/api/v1/conversations/${id}/messages`, {
        body,
        internal,
        client_msg_id: 'a-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10),
      })
      add(res.message)
      setDraft('')
      stopTyping()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  const c = conv.data
  return (
    <>
      <section class="conv-pane" aria-labelledby="conv-title" data-testid="conversation">
        <header class="conv-head">
          <h2 id="conv-title">{c?.subject || t('conv.title', { id })}</h2>
          {c && <span class={`badge hb-${c.handled_by}`}>{t(('conv.handledBy.' + c.handled_by) as Key)}</span>}
          {c && <span class="badge">{t(('conv.status.' + c.status) as Key)}</span>}
          <span class={`live ${online ? 'on' : ''}`} role="status">
            {online ? t('conv.live') : t('conv.reconnecting')}
          </span>
          <span class="spacer" />
          {c && c.status !== 'closed' && (c.handled_by === 'bot' || c.assignee_id !== me?.user.id) && (
            <button type="button" class="primary" data-testid="take-over" onClick={() => patch({ handled_by: 'agent', assignee_id: me?.user.id })}>
              {t('conv.takeOver')}
            </button>
          )}
          {c && c.status !== 'closed' && c.handled_by === 'agent' && (
            <button type="button" class="ghost" onClick={() => patch({ handled_by: 'bot' })}>
              {t('conv.handBack')}
            </button>
          )}
          {c && (
            <button type="button" class="ghost" onClick={() => patch({ status: c.status === 'closed' ? 'open' : 'closed' })}>
              {c.status === 'closed' ? t('conv.reopen') : t('conv.close')}
            </button>
          )}
        </header>
        {(error != null || conv.error != null) && <ErrorBox error={error ?? conv.error} />}
        <div class="messages" ref={log} role="log" aria-live="polite" tabIndex={0}>
          {!loaded && !error && <Loading />}
          {messages.map((m) => (
            <MessageRow key={m.id} m={m} />
          ))}
          {typing && (
            <p class="muted small" data-testid="customer-typing">
              {t('conv.typing')}
            </p>
          )}
        </div>
        {has('/api/v1/kb/suggestions') && (
          <Suggestions id={id} customerMessages={messages.filter((m) => m.sender_kind === 'customer').length} onInsert={(text) => setDraft((d) => (d ? d + '\n' : '') + text)} />
        )}
        <form class={`reply ${internal ? 'internal' : ''}`} onSubmit={send}>
          <label class="sr-only" for="reply-box">
            {t('conv.replyLabel')}
          </label>
          <textarea
            id="reply-box"
            rows={3}
            maxLength={4000}
            value={draft}
            placeholder={internal ? t('conv.notePlaceholder') : t('conv.replyPlaceholder')}
            onInput={(e) => {
              setDraft((e.target as HTMLTextAreaElement).value)
              keyTyped()
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send()
            }}
          />
          <div class="reply-bar">
            <label class="check">
              <input type="checkbox" checked={internal} onChange={(e) => setInternal((e.target as HTMLInputElement).checked)} /> {t('conv.internal')}
            </label>
            <button type="submit" class="primary" disabled={busy || !draft.trim()}>
              {t('conv.send')}
            </button>
          </div>
        </form>
      </section>
      <aside class="side-pane" aria-label={t('c360.title')}>
        {c?.customer_id ? <Customer360 id={c.customer_id} /> : <p class="muted">{t('inbox.visitor')}</p>}
      </aside>
    </>
  )
}

interface Hit {
  article: { id: number; title: string; lang: string; category: string }
  score: number
  passage: { text: string; marks: [number, number][] }
}

/** Suggestions lists knowledge-base answers for the customer's latest messages; one click inserts one. */
function Suggestions({ id, customerMessages, onInsert }: { id: number; customerMessages: number; onInsert(text: string): void }) {
  const { t } = useApp()
  const s = useAsync(() => (customerMessages ? api<{ items: Hit[] }>('GET', '/api/v1/kb/suggestions' + query({ conversation_id: id, limit: 3 })) : Promise.resolve({ items: [] })), [id, customerMessages])
  const insert = (h: Hit) => {
    onInsert(h.passage.text)
    api('POST', '/api/v1/kb/events', { article_id: h.article.id, kind: 'inserted', conversation_id: id }).catch(() => {})
    document.getElementById('reply-box')?.focus()
  }
  return (
    <section class="kb-box" aria-labelledby="kb-title" data-testid="kb-suggestions">
      <h3 id="kb-title">{t('kb.suggestions')}</h3>
      {s.error != null && <ErrorBox error={s.error} onRetry={s.reload} />}
      {s.data && s.data.items.length === 0 && <p class="muted small">{t('kb.none')}</p>}
      {(s.data?.items ?? []).map((h) => (
        <div class="kb-hit" key={h.article.id}>
          <button type="button" class="ghost" onClick={() => insert(h)} aria-label={`${t('kb.insert')}: ${h.article.title}`}>
            {t('kb.insert')}
          </button>
          <div>
            <strong class="small">{h.article.title}</strong>
            <p>
              <Marked text={h.passage.text} marks={h.passage.marks} />
            </p>
          </div>
        </div>
      ))}
    </section>
  )
}

/** Marked renders text with [start, end) rune ranges highlighted, without HTML injection. */
function Marked({ text, marks }: { text: string; marks: [number, number][] }) {
  const runes = Array.from(text)
  const out = []
  let at = 0
  for (const [a, b] of [...(marks ?? [])].sort((x, y) => x[0] - y[0])) {
    if (a < at || b <= a || b > runes.length) continue
    out.push(runes.slice(at, a).join(''))
    out.push(<mark key={a}>{runes.slice(a, b).join('')}</mark>)
    at = b
  }
  out.push(runes.slice(at).join(''))
  return <>{out}</>
}

function MessageRow({ m }: { m: Message }) {
  const { t, lang } = useApp()
  const staff = m.sender_kind === 'agent' || m.sender_kind === 'bot'
  const card = m.payload?.card
  const quick: { label: string }[] = Array.isArray(m.payload?.quick_replies) ? m.payload.quick_replies : []
  // The bot's handoff summary is an internal note "handoff: {json}"; show it as a list.
  let handoff: Record<string, unknown> | null = null
  if (m.internal && m.body.startsWith('handoff: {')) {
    try {
      handoff = JSON.parse(m.body.slice('handoff: '.length))
    } catch {
      handoff = null
    }
  }
  const nluTitle = m.nlu && typeof m.nlu === 'object' ? JSON.stringify(m.nlu, null, 1).slice(0, 600) : undefined
  return (
    <div class={`mrow ${staff ? 'out' : 'in'} from-${m.sender_kind} ${m.internal ? 'note' : ''}`} data-sender={m.sender_kind}>
      <div class="mmeta">
        <span class={`who-chip who-${m.sender_kind}`}>{m.internal ? t('conv.internal') : t(('conv.' + m.sender_kind) as Key)}</span>
        <time>{dateTime(m.created_at, lang)}</time>
        {m.intent && (
          <span class="intent" title={nluTitle}>
            {t('conv.intent', { intent: m.intent })}
          </span>
        )}
      </div>
      {handoff ? (
        <dl class="handoff">
          {Object.entries(handoff).map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
            </Fragment>
          ))}
        </dl>
      ) : (
        <p class="mbody">{m.body}</p>
      )}
      {card && <p class="mcard">{t('conv.card', { title: `${card.type} ${card.title ?? ''}` })}</p>}
      {quick.length > 0 && (
        <div class="mquick">
          {quick.map((q, i) => (
            <span class="tag" key={i}>
              {q.label}
            </span>
          ))}
        </div>
      )}
    </div>
  )
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

