// The widget talks to kefu only through this module, so the chat protocol (HTTP + WebSocket,
// docs/protocol.md) can change without touching the UI.
import type { Visitor } from './visitor'

export type Sender = 'customer' | 'bot' | 'agent' | 'system'

export interface QuickReply {
  label: string
  text?: string // what is sent when clicked (defaults to label)
}

export interface OrderCard {
  kind: 'order'
  number: string
  status: string
  status_label?: string
  total_cents?: number
  title?: string // first item
  item_count?: number
  carrier_name?: string
  tracking_number?: string
  latest?: string // latest logistics event, already in the conversation's language
}

export interface CaseCard {
  kind: 'case'
  number: string
  type: string // return, refund, exchange, repair…
  status: string
  status_label?: string
  order_number?: string
  amount_cents?: number
}

export interface ProductCard {
  kind: 'product'
  title: string
  sku: string
  price_cents?: number
  stock?: number
}

/** A satisfaction survey the server posts when a ticket is resolved. */
export interface CsatCard {
  kind: 'csat'
  token: string
  ticket_id?: number
  ticket_ref: string
}

/** A photo or voice recording a message carries. url is absolute (or a local blob: preview). */
export interface Media {
  kind: 'image' | 'voice'
  url: string
}

export interface ChatMessage {
  id: string
  from: Sender
  text: string
  at: string // RFC 3339
  quick_replies?: QuickReply[]
  card?: OrderCard | CaseCard | ProductCard | CsatCard
  media?: Media[]
  state?: 'sending' | 'failed'
}

/** What the server answers to an upload (media.Attachment). */
export interface Uploaded {
  id: number
  kind: 'image' | 'voice'
  url: string
}

/** A survey's state as the public link reports it (ticket.CSATInvitation). */
export interface CsatState {
  can_rate: boolean
  rated: boolean
  score?: number
}

export type Status = 'connecting' | 'online' | 'offline' | 'unavailable'

export interface Handlers {
  message(m: ChatMessage): void
  status(s: Status): void
  typing?(on: boolean): void
  visitor?(v: Visitor): void // the server issued or renewed the visitor's token
}

export interface Transport {
  /** send delivers the customer's text; it rejects when the message could not be sent. */
  send(text: string, clientId: string): Promise<void>
  /** sendMedia uploads a photo or recording and sends it as a message (same idempotency as send). */
  sendMedia(kind: 'image' | 'voice', file: Blob, name: string, clientId: string): Promise<void>
  /** csat reads (score undefined) or submits a satisfaction rating through its signed token. */
  csat(token: string, rating?: { score: number; comment: string }): Promise<CsatState>
  /** typing tells the agent the customer started (true) or stopped typing; best effort. */
  typing(on: boolean): void
  close(): void
}

/** The server's view of a message for the customer (conversation.CustomerMessage). */
export interface WireMessage {
  id: number
  conversation_id: number
  sender_kind: string
  content_type: string
  body: string
  payload?: any
  client_msg_id?: string | null
  created_at: string
  attachments?: any
}

const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v))
const num = (v: unknown) => (typeof v === 'number' && isFinite(v) ? v : undefined)

/** mediaURL accepts only kefu's own signed attachment paths, made absolute on the kefu server. */
export function mediaURL(base: string, u: unknown): string | undefined {
  const path = str(u)
  return /^\/api\/v1\/media\/\d+\/[0-9a-f]{16,64}$/.test(path) ? base + path : undefined
}

/** fromWire turns a server message into what the panel renders; unknown card types are dropped. */
export function fromWire(m: WireMessage, lang: string, base = ''): ChatMessage {
  const from: Sender = (['customer', 'bot', 'agent', 'system'] as const).find((s) => s === m.sender_kind) ?? 'system'
  const out: ChatMessage = {
    // The customer's own messages keep the id the widget gave them, so the server's copy
    // replaces the optimistic one instead of showing twice.
    id: from === 'customer' && m.client_msg_id ? m.client_msg_id : 'm' + m.id,
    from,
    text: str(m.body),
    at: str(m.created_at),
  }
  const p = m.payload && typeof m.payload === 'object' ? m.payload : null
  if (p && Array.isArray(p.quick_replies)) {
    out.quick_replies = p.quick_replies
      .map((q: any) => (typeof q === 'string' ? { label: q } : { label: str(q?.label), text: str(q?.text) || undefined }))
      .filter((q: QuickReply) => q.label)
      .slice(0, 8)
  }
  const c = p?.card
  const d = c && typeof c.data === 'object' && c.data ? c.data : {}
  if (c?.type === 'order') {
    const ev = d.latest_event
    out.card = {
      kind: 'order',
      number: str(d.number || c.title),
      status: str(d.status),
      status_label: str(d.status_label) || undefined,
      total_cents: num(d.total_cents),
      title: str(d.title) || undefined,
      item_count: num(d.items),
      carrier_name: str(d.carrier) || undefined,
      tracking_number: str(d.tracking_number) || undefined,
      latest: ev ? [str(ev.location), str(lang === 'en' ? ev.description_en : ev.description_zh)].filter(Boolean).join(' · ') : undefined,
    }
  } else if (c?.type === 'case') {
    out.card = {
      kind: 'case',
      number: str(d.ref || c.title),
      type: str(d.type),
      status: str(d.status),
      status_label: str(d.status_label) || undefined,
      order_number: str(d.order_number) || undefined,
      amount_cents: num(d.amount_cents),
    }
  } else if (c?.type === 'product') {
    out.card = { kind: 'product', title: str(c.title), sku: str(d.sku), price_cents: num(d.price_cents), stock: num(d.stock) }
  }
  // A satisfaction survey: {"type":"csat","token":…,"ticket_id":…,"ticket_ref":…} as the
  // payload itself (or, like the bot's cards, under "card").
  const cs = p?.type === 'csat' ? p : c?.type === 'csat' ? { ...d, ...c } : null
  if (cs && /^[\w.~-]{8,512}$/.test(str(cs.token))) {
    out.card = { kind: 'csat', token: str(cs.token), ticket_id: num(cs.ticket_id), ticket_ref: str(cs.ticket_ref) }
  }
  if ((m.content_type === 'image' || m.content_type === 'voice') && Array.isArray(m.attachments)) {
    const kind: 'image' | 'voice' = m.content_type
    const media = m.attachments.map((a: any) => mediaURL(base, a?.url)).filter((u): u is string => !!u).map((url) => ({ kind, url }))
    if (media.length) {
      out.media = media.slice(0, 9)
      if (out.text === '[image]' || out.text === '[voice]') out.text = ''
    }
  }
  return out
}

/** backoff is the delay before reconnect attempt n (1, 2, …): exponential, capped, jittered. */
export function backoff(n: number, rand = Math.random): number {
  const base = Math.min(30000, 500 * Math.pow(2, Math.max(0, n - 1)))
  return Math.round(base / 2 + rand() * (base / 2))
}

export class HTTPError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message)
  }
}

/**
 * connect opens the chat for a visitor (docs/protocol.md): it resumes or creates the visitor's
 * session (POST /api/v1/widget/session), finds their open conversation, and follows it over the
 * widget WebSocket. Every (re)subscription carries the last message id seen, so the server
 * replays whatever arrived while the connection was down: a reconnect loses no messages.
 * Sending goes over HTTP with an idempotency key, so a retry never duplicates a message.
 */
export function connect(base: string, visitor: Visitor, identity: { externalId: string; signature: string; name: string } | null, lang: string, h: Handlers): Transport {
  const wireLang = lang === 'en' ? 'en' : 'zh'
  let token = visitor.token ?? ''
  let conversationId = 0
  let lastId = 0
  let ws: WebSocket | null = null
  let closed = false
  let attempts = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let ready: Promise<void>

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (token) headers['X-Visitor-Token'] = token
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' })
    const data = await res.json().catch(() => null)
    if (!res.ok) throw new HTTPError(res.status, data?.error?.code ?? 'http_' + res.status, data?.error?.message ?? res.statusText)
    return data as T
  }

  const deliver = (m: WireMessage) => {
    if (m.id > lastId) lastId = m.id
    h.message(fromWire(m, wireLang, base))
  }

  const subscribe = () => {
    if (ws && ws.readyState === WebSocket.OPEN && conversationId) {
      ws.send(JSON.stringify({ type: 'subscribe', conversation_id: conversationId, after_id: lastId }))
    }
  }

  const open = () => {
    if (closed) return
    h.status(attempts === 0 ? 'connecting' : 'offline')
    const u = new URL(base + '/api/v1/widget/ws')
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:'
    u.searchParams.set('visitor_token', token)
    const sock = new WebSocket(u.href)
    ws = sock
    sock.onmessage = (ev) => {
      let f: any
      try {
        f = JSON.parse(String(ev.data))
      } catch {
        return
      }
      switch (f.type) {
        case 'hello':
          attempts = 0
          h.status('online')
          subscribe()
          break
        case 'message':
        case 'ack':
          if (f.message) deliver(f.message)
          break
        case 'typing':
          if (f.sender_kind !== 'customer') h.typing?.(!!f.typing)
          break
      }
    }
    sock.onclose = () => {
      if (ws !== sock || closed) return
      ws = null
      attempts++
      h.status('offline')
      h.typing?.(false)
      timer = setTimeout(open, backoff(attempts))
    }
  }

  const start = async () => {
    const req: Record<string, string> = { visitor_token: token, lang: wireLang }
    if (identity) Object.assign(req, { external_id: identity.externalId, signature: identity.signature, name: identity.name })
    const s = await call<{ visitor_token: string }>('POST', '/api/v1/widget/session', req)
    token = s.visitor_token
    h.visitor?.({ ...visitor, token })
    const list = await call<{ items: { id: number; status: string }[] }>('GET', '/api/v1/widget/conversations')
    const current = list.items.filter((c) => c.status !== 'closed').sort((a, b) => b.id - a.id)[0]
    if (current) conversationId = current.id
    open()
  }

  ready = start().catch((e) => {
    // A stale token (the database was reset) starts a new visitor once.
    if (e instanceof HTTPError && e.status === 401 && token) {
      token = ''
      return start()
    }
    throw e
  })
  ready.catch(() => h.status('unavailable'))

  const conversation = async () => {
    await ready
    if (!conversationId) {
      const c = await call<{ id: number }>('POST', '/api/v1/widget/conversations', { lang: wireLang })
      conversationId = c.id
      subscribe()
    }
    return conversationId
  }
  // One upload per client id: a retry after a failed send reuses it instead of uploading again.
  const uploads = new Map<string, Promise<Uploaded>>()

  return {
    async send(text: string, clientId: string) {
      const id = await conversation()
      const res = await call<{ message: WireMessage }>('POST', `/api/v1/widget/conversations/${id}/messages`, { body: text, client_msg_id: clientId })
      deliver(res.message)
    },
    async sendMedia(kind, file, name, clientId) {
      const id = await conversation()
      let up = uploads.get(clientId)
      if (!up) {
        const form = new FormData()
        form.append('file', file, name)
        up = fetch(`${base}/api/v1/widget/conversations/${id}/attachments`, { method: 'POST', body: form, headers: { 'X-Visitor-Token': token }, credentials: 'omit' }).then(async (res) => {
          const data = await res.json().catch(() => null)
          if (!res.ok) throw new HTTPError(res.status, data?.error?.code ?? 'http_' + res.status, data?.error?.message ?? res.statusText)
          return data as Uploaded
        })
        uploads.set(clientId, up)
        up.catch(() => uploads.delete(clientId))
      }
      const a = await up
      const res = await call<{ message: WireMessage }>('POST', `/api/v1/widget/conversations/${id}/messages`, { content_type: kind, attachment_ids: [a.id], client_msg_id: clientId })
      uploads.delete(clientId)
      deliver(res.message)
    },
    async csat(t, rating) {
      const path = '/api/v1/csat/' + encodeURIComponent(t)
      if (rating) {
        try {
          await call('POST', path, rating)
        } catch (e) {
          if (!(e instanceof HTTPError && e.status === 409)) throw e // 409: rated already (another tab)
        }
      }
      return call<CsatState>('GET', path)
    },
    typing(on: boolean) {
      if (ws && ws.readyState === WebSocket.OPEN && conversationId) ws.send(JSON.stringify({ type: 'typing', conversation_id: conversationId, typing: on }))
    },
    close() {
      closed = true
      clearTimeout(timer)
      ws?.close()
    },
  }
}
