import { useEffect, useRef, useState } from 'preact/hooks'
import { api, ApiError, query, type Conversation, type Customer, type Message } from '../api'
import { follow, type Live } from '../live'
import type { Key } from '../messages'
import { useApp } from '../state'
import { ErrorBox, Loading, useAsync } from '../ui'
import { Customer360 } from '../pages/Customers'
import { CasesPanel } from './CasesPanel'
import { MessageRow } from './MessageRow'
import { useW } from './messages'
import { PhotoIcon } from './icons'
import { MAX_POLLS, mergeFresh, pendingMedia, photoProblem, firstImage, pollDelay } from './media'
import { uploadPhoto } from './MessageMedia'
import { expandMacro, type Macro } from './model'
import { show } from './notify'
import { TicketPanel, useTicket } from './TicketPanel'

type Panel = 'ticket' | 'cases' | 'customer'
const PANELS: Panel[] = ['ticket', 'cases', 'customer']
const PHOTO_ACCEPT = 'image/png,image/jpeg,image/gif,image/webp'

let macrosOnce: Promise<Macro[]> | null = null
function macros(): Promise<Macro[]> {
  macrosOnce ??= api<{ items: Macro[] }>('GET', '/api/v1/macros').then(
    (r) => r.items ?? [],
    (e) => {
      macrosOnce = null
      throw e
    },
  )
  return macrosOnce
}

/** Actions the inbox's keyboard shortcuts reach into the open conversation for. */
export interface ConvActions {
  take(): void
  handBack(): void
  note(): void
  macro(): void
  panel(): void
}

/**
 * ConversationView: the full history (bot turns marked, NLU on hover, intent correction), live
 * over the agents' WebSocket; the reply box with macros, knowledge suggestions and internal
 * notes; accepting a handoff and handing back to the bot; and the side panel with the ticket,
 * the customer's after-sales cases and their 360° view.
 */
export function ConversationView({ id, onChange, actions }: { id: number; onChange(): void; actions: { current: ConvActions | null } }) {
  const { t, me, has, can } = useApp()
  const w = useW()
  const conv = useAsync(() => api<Conversation>('GET', `/api/v1/conversations/${id}`), [id])
  const ticket = useTicket(id)
  const [messages, setMessages] = useState<Message[]>([])
  const [loaded, setLoaded] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [online, setOnline] = useState(false)
  const [typing, setTyping] = useState(false)
  const [draft, setDraft] = useState('')
  const [internal, setInternal] = useState(false)
  const [busy, setBusy] = useState(false)
  const [hint, setHint] = useState('')
  const [panel, setPanel] = useState<Panel>('ticket')
  // A photo to send with the reply (chosen or pasted), and the upload already made for it, so
  // a send that failed after the upload does not upload it again.
  const [photo, setPhoto] = useState<{ file: File; url: string } | null>(null)
  const [photoHint, setPhotoHint] = useState('')
  const uploaded = useRef<{ file: File; id: number } | null>(null)
  const fileInput = useRef<HTMLInputElement>(null)
  const log = useRef<HTMLDivElement>(null)
  const live = useRef<Live | null>(null)
  const typingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const macroSelect = useRef<HTMLSelectElement>(null)
  const macroList = useAsync(() => (has('/api/v1/macros') && can('tickets:read') ? macros() : Promise.resolve([] as Macro[])), [])
  const customer = useAsync(() => (conv.data?.customer_id && can('customers:read') ? api<Customer>('GET', `/api/v1/customers/${conv.data.customer_id}`) : Promise.resolve(null)), [conv.data?.customer_id])

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

  const pendingRef = useRef<number[]>([])
  const subjectRef = useRef('')
  subjectRef.current = conv.data?.subject || t('conv.title', { id })
  const add = (m: Message, fromLive = false) => {
    setMessages((ms) => {
      if (ms.some((x) => x.id === m.id)) return ms
      return [...ms, m].sort((a, b) => a.id - b.id)
    })
    if (fromLive && m.sender_kind === 'customer' && !m.internal) show(subjectRef.current, w.t('notify.customer', { body: m.body }), id)
  }
  const replace = (m: Message) => setMessages((ms) => ms.map((x) => (x.id === m.id ? m : x)))

  // Re-read messages from fromId on (recognised text arrived, or fresh attachment links).
  const reread = async (fromId: number, limit: number) => {
    const page = await api<{ items: Message[] }>('GET', `/api/v1/conversations/${id}/messages` + query({ after_id: Math.max(0, fromId - 1), limit }))
    setMessages((ms) => mergeFresh(ms, page.items))
  }
  const onStale = (mid: number) => reread(mid, 1).catch(() => {})

  // Photos and voice get their text a few seconds after they arrive (OCR, speech recognition
  // run off the chat path, and no event says when): re-read them until it is in, backing off.
  const pending = pendingMedia(messages)
  pendingRef.current = pending
  const pendingKey = pending.join(',')
  useEffect(() => {
    if (!pending.length) return
    let n = 0
    let timer: ReturnType<typeof setTimeout>
    const tick = () => {
      timer = setTimeout(async () => {
        await reread(pending[0], 200).catch(() => {})
        if (++n < MAX_POLLS) tick()
      }, pollDelay(n))
    }
    tick()
    return () => clearTimeout(timer)
  }, [pendingKey])

  const choosePhoto = (f: File | null) => {
    if (!f) return
    const problem = photoProblem(f)
    if (problem) {
      setPhotoHint(w.t(problem === 'type' ? 'media.type' : 'media.size'))
      return
    }
    setPhotoHint('')
    setPhoto({ file: f, url: URL.createObjectURL(f) })
  }
  const dropPhoto = () => setPhoto(null)
  // Each preview's object URL is released when it is replaced, removed or the view closes.
  useEffect(() => () => photo && URL.revokeObjectURL(photo.url), [photo])

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
      live.current = follow(id, after, {
        message: (m) => {
          add(m, true)
          // The bot answers a photo once its text is read: the photo's own row has it now.
          if (m.sender_kind === 'bot' && pendingRef.current.length) reread(pendingRef.current[0], 200).catch(() => {})
          // A system message (a case or ticket update) may mean the panels changed.
          if (m.sender_kind === 'system') ticket.reload()
        },
        typing: setTyping,
        status: setOnline,
      })
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

  const c = conv.data
  const tk = ticket.detail?.ticket
  const take = async () => {
    if (!c || c.status === 'closed') return
    await patch({ handled_by: 'agent', assignee_id: me?.user.id })
    // The ticket follows the person who accepted the handoff.
    if (tk && me && tk.assignee_id !== me.user.id && can('tickets:write') && !['resolved', 'closed'].includes(tk.status)) {
      api('POST', `/api/v1/tickets/${tk.id}/assign`, { team_id: tk.team_id ?? 0, agent_id: me.user.id, version: tk.version }).then(ticket.reload, () => ticket.reload())
    }
  }
  const handBack = () => c && c.status !== 'closed' && c.handled_by === 'agent' && patch({ handled_by: 'bot' })

  const applyMacro = async (mid: number) => {
    const m = (macroList.data ?? []).find((x) => x.id === mid)
    if (!m) return
    setHint('')
    const vars: Record<string, string | undefined> = {
      'customer.name': customer.data?.name,
      'customer.tier': customer.data?.tier,
      'agent.name': me?.user.name,
      'ticket.id': tk?.ref,
      'ticket.subject': tk?.subject,
    }
    let text: string | null = null
    if (tk && can('tickets:write')) {
      try {
        const r = await api<{ reply: string }>('POST', `/api/v1/tickets/${tk.id}/macros/${m.id}`, { version: tk.version, vars: Object.fromEntries(Object.entries(vars).filter(([, v]) => v)) })
        text = r.reply
        setHint(w.t('macro.applied', { name: m.name }))
        ticket.reload()
      } catch (e) {
        // A variable the ticket cannot fill (no order yet…): expand what we know, the agent completes it.
        if (!(e instanceof ApiError && e.status === 400)) setError(e)
      }
    }
    if (text == null) {
      const x = expandMacro(m.body, vars)
      text = x.text
      if (x.missing.length) setHint(w.t('macro.fill', { vars: x.missing.map((v) => `{${v}}`).join(', ') }))
    }
    if (text) setDraft((d) => (d ? d + '\n' : '') + text)
    document.getElementById('reply-box')?.focus()
  }

  actions.current = {
    take,
    handBack: () => void handBack(),
    note: () => {
      setInternal(true)
      document.getElementById('reply-box')?.focus()
    },
    macro: () => macroSelect.current?.focus(),
    panel: () => setPanel((p) => PANELS[(PANELS.indexOf(p) + 1) % PANELS.length]),
  }

  const send = async (e?: Event) => {
    e?.preventDefault()
    const body = draft.trim()
    if ((!body && !photo) || busy) return
    setBusy(true)
    try {
      const msg: Record<string, unknown> = { body, internal, client_msg_id: 'a-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10) }
      if (photo) {
        setPhotoHint(w.t('media.uploading'))
        if (uploaded.current?.file !== photo.file) uploaded.current = { file: photo.file, id: await uploadPhoto(id, photo.file) }
        msg.content_type = 'image'
        msg.attachment_ids = [uploaded.current.id]
      }
      const res = await api<{ message: Message }>('POST', `/api/v1/conversations/${id}/messages`, msg)
      add(res.message)
      setDraft('')
      setHint('')
      setPhotoHint('')
      dropPhoto()
      uploaded.current = null
      stopTyping()
    } catch (err) {
      setPhotoHint('')
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  const handoffPending = c && c.status !== 'closed' && c.handled_by === 'agent' && c.assignee_id == null
  const canAttach = has('/api/v1/conversations/{id}/attachments') && can('conversations:write')
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
            <button type="button" class="primary" data-testid="take-over" aria-keyshortcuts="a" onClick={take}>
              {handoffPending ? w.t('accept.handoff') : t('conv.takeOver')}
            </button>
          )}
          {c && c.status !== 'closed' && c.handled_by === 'agent' && (
            <button type="button" class="ghost" data-testid="hand-back" aria-keyshortcuts="b" onClick={handBack}>
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
        <div class="messages" ref={log} role="log" aria-live="polite" aria-label={c?.subject || t('conv.title', { id })} tabIndex={0}>
          {!loaded && !error && <Loading />}
          {messages.map((m) => (
            <MessageRow key={m.id} m={m} canCorrect={can('conversations:write') && has('/api/v1/messages/{id}/intent')} onCorrected={replace} onStale={onStale} />
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
            {internal ? t('conv.internal') : t('conv.replyLabel')}
          </label>
          <textarea
            id="reply-box"
            rows={3}
            maxLength={4000}
            value={draft}
            aria-keyshortcuts="r"
            placeholder={internal ? t('conv.notePlaceholder') : t('conv.replyPlaceholder')}
            onInput={(e) => {
              setDraft((e.target as HTMLTextAreaElement).value)
              keyTyped()
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send()
              if (e.key === 'Escape') (e.target as HTMLElement).blur()
            }}
            onPaste={(e) => {
              if (!canAttach) return
              const f = firstImage(e.clipboardData?.files)
              if (f) {
                e.preventDefault()
                choosePhoto(f)
              }
            }}
          />
          {photo && (
            <div class="reply-photo" data-testid="reply-photo-preview">
              <img src={photo.url} alt={w.t('media.preview')} width={96} height={72} />
              <button type="button" class="link small" onClick={dropPhoto} aria-label={w.t('media.remove')} data-testid="reply-photo-remove">
                ✕ {w.t('media.remove')}
              </button>
            </div>
          )}
          {photoHint && (
            <p class="small muted" role="status" data-testid="reply-photo-hint">
              {photoHint}
            </p>
          )}
          {hint && (
            <p class="small muted" role="status" data-testid="macro-hint">
              {hint}
            </p>
          )}
          <div class="reply-bar">
            <label class="check">
              <input type="checkbox" checked={internal} aria-keyshortcuts="n" onChange={(e) => setInternal((e.target as HTMLInputElement).checked)} /> {t('conv.internal')}
            </label>
            {(macroList.data ?? []).length > 0 && (
              <label class="macro-pick">
                <span class="sr-only">{w.t('macro.label')}</span>
                <select
                  ref={macroSelect}
                  aria-label={w.t('macro.label')}
                  aria-keyshortcuts="m"
                  data-testid="macro-select"
                  value=""
                  onChange={(e) => {
                    const v = Number((e.target as HTMLSelectElement).value)
                    ;(e.target as HTMLSelectElement).value = ''
                    if (v) applyMacro(v)
                  }}
                >
                  <option value="">{w.t('macro.pick')}</option>
                  {(macroList.data ?? []).map((m) => (
                    <option key={m.id} value={String(m.id)}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {canAttach && (
              <>
                <input
                  ref={fileInput}
                  type="file"
                  accept={PHOTO_ACCEPT}
                  hidden
                  data-testid="reply-file"
                  onChange={(e) => {
                    const input = e.target as HTMLInputElement
                    choosePhoto(firstImage(input.files))
                    input.value = '' // choosing the same file again still fires change
                  }}
                />
                <button type="button" class="ghost small" onClick={() => fileInput.current?.click()} aria-label={w.t('media.attachHint')} title={w.t('media.attachHint')} data-testid="reply-attach">
                  <PhotoIcon /> {w.t('media.photo')}
                </button>
              </>
            )}
            <span class="spacer" />
            <button type="submit" class="primary" disabled={busy || (!draft.trim() && !photo)}>
              {t('conv.send')}
            </button>
          </div>
        </form>
      </section>
      <aside class="side-pane" aria-label={w.t('side.tabs')}>
        <div class="tabs" role="tablist" aria-label={w.t('side.tabs')}>
          {PANELS.map((p) => (
            <button key={p} type="button" role="tab" id={`side-tab-${p}`} aria-controls="side-panel" aria-selected={panel === p} class={panel === p ? 'tab active' : 'tab'} data-panel={p} onClick={() => setPanel(p)}>
              {w.t(('side.' + p) as 'side.ticket')}
            </button>
          ))}
        </div>
        <div id="side-panel" role="tabpanel" aria-labelledby={`side-tab-${panel}`}>
          {panel === 'ticket' && c && <TicketPanel conv={c} t={ticket} />}
          {panel === 'cases' && c && <CasesPanel customerId={c.customer_id} />}
          {panel === 'customer' && (c?.customer_id ? <Customer360 id={c.customer_id} /> : <p class="muted">{t('inbox.visitor')}</p>)}
        </div>
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
