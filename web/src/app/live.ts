// Agents' realtime connection (GET /api/v1/conversations/ws, docs/protocol.md). It follows one
// conversation at a time and resubscribes after a reconnect from the last message id seen, so
// nothing that arrived meanwhile is lost. The session cookie authenticates the upgrade.
import type { Message } from './api'

export interface LiveHandlers {
  message(m: Message): void
  typing(on: boolean): void
  status(online: boolean): void
}

export interface Live {
  stop(): void
  typing(on: boolean): void
}

/**
 * agentSocket keeps one agent WebSocket open: it reconnects with jittered exponential backoff
 * (0.5 s doubling to 30 s) until stopped, and hands every decoded frame to onFrame with the
 * socket it came on. onDown runs when an open link drops (not after stop).
 */
function agentSocket(onFrame: (f: any, sock: WebSocket, connected: () => void) => void, onDown: () => void) {
  let ws: WebSocket | null = null
  let closed = false
  let attempts = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const open = () => {
    if (closed) return
    const u = new URL('/api/v1/conversations/ws', location.href)
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:'
    const sock = new WebSocket(u.href)
    ws = sock
    sock.onmessage = (ev) => {
      let f: any
      try {
        f = JSON.parse(String(ev.data))
      } catch {
        return
      }
      onFrame(f, sock, () => (attempts = 0))
    }
    sock.onclose = () => {
      if (ws !== sock || closed) return
      onDown()
      attempts++
      const base = Math.min(30000, 500 * 2 ** (attempts - 1))
      timer = setTimeout(open, base / 2 + Math.random() * (base / 2))
    }
  }
  open()
  return {
    stop() {
      closed = true
      clearTimeout(timer)
      ws?.close()
    },
    send(frame: object) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame))
    },
  }
}

export function follow(conversationId: number, afterId: number, h: LiveHandlers): Live {
  let lastId = afterId
  const sock = agentSocket(
    (f, ws, connected) => {
      if (f.type === 'hello') {
        connected()
        h.status(true)
        ws.send(JSON.stringify({ type: 'subscribe', conversation_id: conversationId, after_id: lastId }))
      } else if ((f.type === 'message' || f.type === 'ack') && f.message && f.message.conversation_id === conversationId) {
        if (f.message.id > lastId) lastId = f.message.id
        h.message(f.message)
      } else if (f.type === 'typing' && f.conversation_id === conversationId && f.sender_kind === 'customer') {
        h.typing(!!f.typing)
      }
    },
    () => h.status(false),
  )
  return {
    stop: sock.stop,
    typing(on: boolean) {
      sock.send({ type: 'typing', conversation_id: conversationId, typing: on })
    },
  }
}

/** An inbox feed frame (docs/protocol.md): something changed in a conversation, or re-read all. */
export interface InboxFrame {
  reason: 'message' | 'updated' | 'resync'
  conversation_id?: number
  message_id?: number
  sender_kind?: string
}

export interface InboxFeed {
  stop(): void
}

/**
 * followInbox keeps one agent socket subscribed to the inbox feed (subscribe_inbox), with the
 * same backoff as follow. Changes made before a subscription (while the list was first read, or
 * while the link was down) are not replayed, so every subscription is announced as a resync
 * frame: the caller re-reads its list.
 */
export function followInbox(h: { frame(f: InboxFrame): void; status(online: boolean): void }): InboxFeed {
  const sock = agentSocket(
    (f, ws, connected) => {
      if (f.type === 'hello') {
        ws.send(JSON.stringify({ type: 'subscribe_inbox', ref: 'inbox' }))
      } else if (f.type === 'subscribed' && f.ref === 'inbox') {
        connected()
        h.status(true)
        h.frame({ reason: 'resync' })
      } else if (f.type === 'inbox' && (f.reason === 'message' || f.reason === 'updated' || f.reason === 'resync')) {
        h.frame({ reason: f.reason, conversation_id: f.conversation_id, message_id: f.message_id, sender_kind: f.sender_kind })
      }
    },
    () => h.status(false),
  )
  return { stop: sock.stop }
}
