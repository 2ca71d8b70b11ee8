// Photos and voice messages in the workspace, the pure part: reading a message's attachments
// and recognised text, which messages still wait for recognition, merging re-read messages,
// checking a photo before it is uploaded, and the queue tabs' capped counts. No I/O here, so
// it is unit-tested (media.test.ts); the components are in MessageMedia.tsx.
import type { Message } from '../api'

/** An attachment as a message carries it (media.Ref on the server). */
export interface Attachment {
  id: number
  kind: 'image' | 'voice'
  mime: string
  size_bytes: number
  url: string
}

/** Messages as the API sends them carry their attachments (api.ts predates them). */
export type MediaMessage = Message & { attachments?: unknown }

// The server's signed attachment path; anything else is not shown (a message is data, and a
// URL from it must not point the agent's browser anywhere else).
const MEDIA_PATH = /^\/api\/v1\/media\/\d+\/[0-9a-f]{16,64}$/

/** isMedia says whether a message is a photo or voice message. */
export function isMedia(m: Message): boolean {
  return m.content_type === 'image' || m.content_type === 'voice'
}

/** attachmentsOf returns the well-formed attachments of a photo or voice message. */
export function attachmentsOf(m: MediaMessage): Attachment[] {
  if (!isMedia(m) || !Array.isArray(m.attachments)) return []
  const out: Attachment[] = []
  for (const a of m.attachments as any[]) {
    if (!a || typeof a.url !== 'string' || !MEDIA_PATH.test(a.url) || (a.kind !== 'image' && a.kind !== 'voice')) continue
    out.push({ id: Number(a.id), kind: a.kind, mime: String(a.mime ?? ''), size_bytes: Number(a.size_bytes ?? 0), url: a.url })
  }
  return out.slice(0, 9)
}

/** The body the server gives a photo or voice message sent without words. */
export function isPlaceholder(body: string): boolean {
  return body === '[image]' || body === '[voice]'
}

/** What recognition made of a photo or voice message (the server merges it into the payload). */
export interface Recognised {
  state: 'pending' | 'done' | 'none' // none: finished without text (tools missing, failed, skipped, blank)
  text: string
  note: string
}

export function recognised(m: Message): Recognised {
  const p = m.payload && typeof m.payload === 'object' ? m.payload : {}
  const status = typeof p.media_status === 'string' ? p.media_status : ''
  const raw = m.content_type === 'voice' ? p.transcript : p.ocr_text
  const text = typeof raw === 'string' ? raw.trim() : ''
  if (!status) return { state: 'pending', text: '', note: '' }
  if (text) return { state: 'done', text, note: '' }
  return { state: 'none', text: '', note: typeof p.media_note === 'string' && status !== 'done' ? p.media_note : '' }
}

/** pendingMedia lists the photo and voice messages still waiting for their recognised text. */
export function pendingMedia(ms: MediaMessage[]): number[] {
  return ms.filter((m) => attachmentsOf(m).length > 0 && recognised(m).state === 'pending').map((m) => m.id)
}

/** pollDelay: how long to wait before re-reading pending messages the n-th time (ms). */
export function pollDelay(n: number): number {
  return Math.min(10000, 1500 * 2 ** Math.min(n, 3))
}

/** MAX_POLLS bounds the re-reads for one set of pending messages (a few minutes in all). */
export const MAX_POLLS = 30

/**
 * mergeFresh puts re-read messages in place of the ones shown (new payload, fresh links) and
 * adds any not shown yet, keeping id order and the same array when nothing changed.
 */
export function mergeFresh<T extends { id: number }>(current: T[], fresh: T[]): T[] {
  if (fresh.length === 0) return current
  const byId = new Map(fresh.map((m) => [m.id, m]))
  let changed = false
  const out = current.map((m) => {
    const f = byId.get(m.id)
    if (!f) return m
    byId.delete(m.id)
    if (JSON.stringify(f) === JSON.stringify(m)) return m
    changed = true
    return f
  })
  if (byId.size > 0) {
    changed = true
    out.push(...byId.values())
    out.sort((a, b) => a.id - b.id)
  }
  return changed ? out : current
}

/** LONG_TEXT: recognised text longer than this (characters or lines) is shown collapsed. */
export const LONG_TEXT = 160
const LONG_LINES = 4

export function isLong(text: string): boolean {
  return Array.from(text).length > LONG_TEXT || text.split('\n').length > LONG_LINES
}

/** clip shortens text for its collapsed view (whole characters, first lines only). */
export function clip(text: string): string {
  const lines = text.split('\n').slice(0, LONG_LINES).join('\n')
  const runes = Array.from(lines)
  return runes.length > LONG_TEXT ? runes.slice(0, LONG_TEXT).join('') + '…' : lines.length < text.length ? lines + '…' : lines
}

export const PHOTO_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp']
export const MAX_PHOTO_BYTES = 10 << 20

/** photoProblem says why a file cannot be sent as a photo ('type', 'size'), or '' when it can. */
export function photoProblem(f: { type: string; size: number }): 'type' | 'size' | '' {
  if (!PHOTO_TYPES.includes(f.type)) return 'type'
  if (f.size > MAX_PHOTO_BYTES) return 'size'
  return ''
}

/** firstImage picks the first image file from a paste, a drop or a file input. */
export function firstImage(files: ArrayLike<File> | null | undefined): File | null {
  if (!files) return null
  for (const f of Array.from(files)) if (f.type.startsWith('image/')) return f
  return null
}

/** The queue tabs' counts (GET /api/v1/conversations/counts). */
export interface QueueCounts {
  agent: number
  mine: number
  team: number
  unassigned: number
  bot: number
  cap: number
}

/** countLabel shows a capped count: the cap itself means "cap or more", shown as "999+". */
export function countLabel(n: number | undefined, cap: number): string {
  if (n == null || !Number.isFinite(n)) return ''
  return cap > 0 && n >= cap ? `${cap - 1}+` : String(Math.max(0, Math.floor(n)))
}

/**
 * throttle runs fn at most once per `gap` ms: the first call waits `delay` ms (changes come in
 * bursts), later calls within the gap fold into one trailing run. For the tab counts, which
 * every inbox batch would otherwise re-read.
 */
export function throttle(fn: () => void, delay: number, gap: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let last = -Infinity
  return {
    run() {
      if (timer !== undefined) return
      const wait = Math.max(delay, last + gap - Date.now())
      timer = setTimeout(() => {
        timer = undefined
        last = Date.now()
        fn()
      }, wait)
    },
    stop() {
      clearTimeout(timer)
      timer = undefined
    },
  }
}
