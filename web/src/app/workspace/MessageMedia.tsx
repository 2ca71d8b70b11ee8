// Photos and voice messages in the conversation view: thumbnails that open full size in a
// modal (Esc closes it), a player for voice, the text kefu recognised beneath, and the
// upload an agent's photo reply starts with.
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, csrf } from '../api'
import type { Key } from '../messages'
import { useApp } from '../state'
import { useW } from './messages'
import { attachmentsOf, clip, isLong, recognised, type Attachment, type MediaMessage } from './media'

/**
 * MessageMedia shows a message's photos and recording. Attachment links are signed; should
 * one stop loading (a link from an old page, a server restarted with a new key), onStale
 * re-reads the message for fresh links and the photo is tried once more.
 */
export function MessageMedia({ m, onStale }: { m: MediaMessage; onStale(id: number): Promise<void> }) {
  const { t } = useApp()
  const w = useW()
  const atts = attachmentsOf(m)
  const [open, setOpen] = useState<Attachment | null>(null)
  if (atts.length === 0) return null
  const who = t(('conv.' + m.sender_kind) as Key)
  const rec = recognised(m)
  const alt = rec.text ? w.t('media.photoAltText', { who, text: clip(rec.text).replace(/\s+/g, ' ').slice(0, 120) }) : w.t('media.photoAlt', { who })
  return (
    <div class="mmedia" data-testid="message-media">
      <div class="thumbs">
        {atts.map((a) =>
          a.kind === 'image' ? (
            <Thumb key={a.id} a={a} alt={alt} onOpen={() => setOpen(a)} onStale={() => onStale(m.id)} />
          ) : (
            <audio key={a.id} controls preload="metadata" src={a.url} aria-label={w.t('media.voice', { who })} data-testid="msg-voice" />
          ),
        )}
      </div>
      <RecognisedText m={m} />
      {open && <Lightbox a={open} alt={alt} onClose={() => setOpen(null)} />}
    </div>
  )
}

function Thumb({ a, alt, onOpen, onStale }: { a: Attachment; alt: string; onOpen(): void; onStale(): Promise<void> }) {
  const w = useW()
  // attempt 0: the link as first read; 1: after re-reading the message; then give up.
  const [attempt, setAttempt] = useState(0)
  const [broken, setBroken] = useState(false)
  const failed = () => {
    if (attempt > 0) {
      setBroken(true)
      return
    }
    onStale().finally(() => setAttempt(1))
  }
  if (broken) {
    return (
      <p class="photo-broken small muted" role="note" data-testid="photo-broken">
        {w.t('media.broken')}
      </p>
    )
  }
  return (
    <button type="button" class="thumb" onClick={onOpen} aria-label={w.t('media.open')} title={w.t('media.open')} data-testid="msg-photo">
      {/* A new element per attempt, so the browser fetches again rather than keeping the failure. */}
      <img key={attempt} src={a.url} alt={alt} loading="lazy" decoding="async" width={160} height={120} onError={failed} data-attempt={attempt} />
    </button>
  )
}

/** RecognisedText is what OCR read on a photo or speech recognition heard, beneath the media. */
function RecognisedText({ m }: { m: MediaMessage }) {
  const w = useW()
  const [expanded, setExpanded] = useState(false)
  const r = recognised(m)
  if (r.state === 'pending') {
    return (
      <p class="mtext muted small" data-testid="recognising">
        {w.t('media.recognising')}
      </p>
    )
  }
  if (r.state === 'none') {
    return (
      <p class="mtext muted small" data-testid="no-text">
        {r.note ? w.t('media.notRecognised', { note: r.note }) : w.t('media.noText')}
      </p>
    )
  }
  const long = isLong(r.text)
  const id = `mtext-${m.id}`
  return (
    <div class="mtext" data-testid="recognised-text">
      <strong>{w.t('media.recognised')}:</strong>{' '}
      <span id={id} class="mtext-body">
        {long && !expanded ? clip(r.text) : r.text}
      </span>
      {long && (
        <button type="button" class="link small" aria-expanded={expanded} aria-controls={id} onClick={() => setExpanded(!expanded)} data-testid="recognised-toggle">
          {expanded ? w.t('media.showLess') : w.t('media.showAll')}
        </button>
      )}
    </div>
  )
}

/** Lightbox: the photo full size in a modal dialog; Esc, the button or a click outside closes it. */
function Lightbox({ a, alt, onClose }: { a: Attachment; alt: string; onClose(): void }) {
  const w = useW()
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    const before = document.activeElement as HTMLElement | null
    // showModal makes the page behind inert, keeps focus inside and closes on Esc.
    if (d && !d.open) d.showModal()
    return () => before?.focus?.()
  }, [])
  return (
    <dialog
      ref={ref}
      class="lightbox"
      aria-label={w.t('media.full')}
      data-testid="lightbox"
      onClose={onClose}
      onClick={(e) => e.target === ref.current && ref.current?.close()}
      onKeyDown={(e) => e.stopPropagation() /* the inbox's one-key shortcuts stay out */}
    >
      <img src={a.url} alt={alt} />
      <button type="button" class="ghost lightbox-close" onClick={() => ref.current?.close()} autoFocus>
        ✕ {w.t('media.close')}
      </button>
    </dialog>
  )
}

/** uploadPhoto stores a photo for a reply in conversation id and returns the attachment's id. */
export async function uploadPhoto(id: number, file: File): Promise<number> {
  const form = new FormData()
  form.append('file', file, file.name || 'photo')
  let res: Response
  try {
    res = await fetch(`/api/v1/conversations/${id}/attachments`, {
      method: 'POST',
      body: form,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrf() },
    })
  } catch {
    throw new ApiError(0, 'network', 'the server cannot be reached')
  }
  const data = await res.json().catch(() => null)
  if (!res.ok) {
    const err = data?.error
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText, err?.field)
  }
  return Number(data.id)
}
