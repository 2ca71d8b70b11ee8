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

export function follow(conversationId: number, afterId: number, h: LiveHandlers): Live {
  let lastId = afterId
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
      if (f.type === 'hello') {
        attempts = 0
        h.status(true)
        sock.send(JSON.stringify({ type: 'subscribe', conversation_id: conversationId, after_id: lastId }))
      } else if ((f.type === 'message' || f.type === 'ack') && f.message && f.message.conversation_id === conversationId) {
        if (f.message.id > lastId) lastId = f.message.id
        h.message(f.message)
      } else if (f.type === 'typing' && f.conversation_id === conversationId && f.sender_kind === 'customer') {
        h.typing(!!f.typing)
      }
    }
    sock.onclose = () => {
      if (ws !== sock || closed) return
      h.status(false)
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
    typing(on: boolean) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'typing', conversation_id: conversationId, typing: on }))
    },
  }
}
