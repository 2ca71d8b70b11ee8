// Photos and voice messages in the widget: choosing or pasting a photo (checked before it is
// uploaded), recording with MediaRecorder (tap to start and tap to send, or hold to talk), and
// showing both in the conversation. MediaRecorder is the browser's own, so this adds little to
// the script the shop page loads.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { WidgetKey } from './messages'
import type { Media } from './transport'

type T = (k: WidgetKey, p?: Record<string, string | number>) => string

export const PHOTO_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp']
export const MAX_PHOTO_BYTES = 10 << 20
/** Recordings stop on their own after this long: a chat message, not a podcast. */
export const MAX_RECORD_SECONDS = 120

/** photoProblem says why a file cannot be sent as a photo, or '' when it can. */
export function photoProblem(f: { type: string; size: number }): WidgetKey | '' {
  if (!PHOTO_TYPES.includes(f.type)) return 'photoType'
  if (f.size > MAX_PHOTO_BYTES) return 'photoTooBig'
  return ''
}

/** firstPhoto picks the first image file from a paste or a drop. */
export function firstPhoto(files: FileList | File[] | null | undefined): File | null {
  if (!files) return null
  for (const f of Array.from(files)) if (f.type.startsWith('image/')) return f
  return null
}

/** recorderType is the recording format this browser can make that kefu accepts, or ''. */
export function recorderType(): string {
  if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) return ''
  // Safari records only audio/mp4; kefu converts every format to WAV for recognition.
  return ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'].find((m) => MediaRecorder.isTypeSupported(m)) ?? ''
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** HOLD_MS separates a tap (start, tap again to send) from holding the button to talk. */
const HOLD_MS = 450

export function VoiceRecorder({ t, onRecorded, onError }: { t: T; onRecorded(b: Blob, name: string): void; onError(msg: string): void }) {
  const [recording, setRecording] = useState(false)
  const [seconds, setSeconds] = useState(0)
  const rec = useRef<{ r: MediaRecorder; stream: MediaStream; chunks: Blob[]; started: number; keep: boolean; timer: number } | null>(null)
  const pressed = useRef(0)
  const type = recorderType()

  const stop = (keep: boolean) => {
    const cur = rec.current
    if (!cur) return
    rec.current = null
    cur.keep = keep
    clearInterval(cur.timer)
    setRecording(false)
    if (cur.r.state !== 'inactive') cur.r.stop()
    else cur.stream.getTracks().forEach((tr) => tr.stop())
  }

  const start = async () => {
    if (rec.current) return
    let stream: MediaStream
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch {
      onError(t('micDenied'))
      return
    }
    const r = new MediaRecorder(stream, { mimeType: type })
    const cur = { r, stream, chunks: [] as Blob[], started: Date.now(), keep: false, timer: 0 }
    r.ondataavailable = (e) => e.data.size && cur.chunks.push(e.data)
    r.onstop = () => {
      stream.getTracks().forEach((tr) => tr.stop())
      const long = Date.now() - cur.started >= 500
      if (cur.keep && long && cur.chunks.length) {
        const mime = type.split(';')[0]
        onRecorded(new Blob(cur.chunks, { type: mime }), 'voice.' + (mime === 'audio/ogg' ? 'ogg' : mime === 'audio/mp4' ? 'm4a' : 'webm'))
      }
    }
    r.start(250)
    cur.timer = window.setInterval(() => {
      const s = (Date.now() - cur.started) / 1000
      setSeconds(s)
      if (s >= MAX_RECORD_SECONDS) stop(true)
    }, 250)
    rec.current = cur
    setSeconds(0)
    setRecording(true)
  }

  useEffect(() => () => stop(false), [])

  if (!type) return null
  if (!recording) {
    return (
      <button
        type="button"
        class="tool mic"
        aria-label={t('record')}
        title={t('recordHint')}
        data-testid="widget-record"
        onPointerDown={(e) => {
          if (e.button !== 0) return
          pressed.current = Date.now()
          start()
        }}
        onPointerUp={() => {
          // Held down: release sends. A quick tap keeps recording until "send".
          if (pressed.current && Date.now() - pressed.current >= HOLD_MS) stop(true)
          pressed.current = 0
        }}
        onClick={(e) => {
          if (e.detail === 0) start() // keyboard (Enter/Space); pointers start on pointerdown
        }}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path fill="currentColor" d="M12 14a3 3 0 003-3V5a3 3 0 10-6 0v6a3 3 0 003 3zm5-3a5 5 0 01-10 0H5a7 7 0 006 6.9V21h2v-3.1A7 7 0 0019 11h-2z" />
        </svg>
      </button>
    )
  }
  return (
    <div
      class="recorder"
      role="group"
      aria-label={t('record')}
      onPointerUp={() => {
        if (pressed.current && Date.now() - pressed.current >= HOLD_MS) stop(true)
        pressed.current = 0
      }}
    >
      <span class="rec-dot" aria-hidden="true" />
      <span class="rec-time" role="timer" aria-live="off">
        {t('recording', { time: clock(seconds) })}
      </span>
      <button type="button" class="rec-cancel" onClick={() => stop(false)}>
        {t('cancelRecording')}
      </button>
      <button type="button" class="send" onClick={() => stop(true)} data-testid="widget-record-send" autoFocus>
        {t('stopSend')}
      </button>
    </div>
  )
}

export function MediaView({ media, t }: { media: Media[]; t: T }) {
  return (
    <div class="media">
      {media.map((m) =>
        m.kind === 'image' ? (
          <a key={m.url} class="photo" href={m.url} target="_blank" rel="noopener noreferrer">
            <img src={m.url} alt={t('photoAlt')} loading="lazy" />
          </a>
        ) : (
          <audio key={m.url} controls preload="metadata" src={m.url} aria-label={t('voiceMessage')} />
        ),
      )}
    </div>
  )
}
