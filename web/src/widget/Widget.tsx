import { useEffect, useRef, useState } from 'preact/hooks'
import { translator, type Lang } from '../shared/i18n'
import { money } from '../shared/format'
import { textOn, type WidgetConfig } from './config'
import { widgetDicts, type WidgetKey } from './messages'
import { connect, type CaseCard, type ChatMessage, type OrderCard, type ProductCard, type Status, type Transport } from './transport'
import { CsatCardView, type CsatFn } from './csat'
import { firstPhoto, MediaView, photoProblem, PHOTO_TYPES, VoiceRecorder } from './media'
import { saveVisitor, randomId, type Visitor } from './visitor'

export interface WidgetProps {
  config: WidgetConfig
  visitor: Visitor
  storage: Storage | null
  initialLang: Lang
  api: { register(open: () => void, close: () => void, setLang: (l: Lang) => void): void }
}

type T = (k: WidgetKey, p?: Record<string, string | number>) => string

export function Widget({ config, visitor, storage, initialLang, api }: WidgetProps) {
  const [open, setOpen] = useState(config.open)
  const [lang, setLangState] = useState<Lang>(initialLang)
  const [status, setStatus] = useState<Status>('connecting')
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [typing, setTyping] = useState(false)
  const [draft, setDraft] = useState('')
  const transport = useRef<Transport | null>(null)
  const launcher = useRef<HTMLButtonElement>(null)
  const input = useRef<HTMLTextAreaElement>(null)
  const log = useRef<HTMLDivElement>(null)
  const typingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const [photo, setPhoto] = useState<{ file: File; url: string } | null>(null)
  const [notice, setNotice] = useState('')
  const [dragging, setDragging] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)
  // The files of photo and voice messages not yet confirmed, so "retry" can resend them.
  const outbox = useRef(new Map<string, { kind: 'image' | 'voice'; file: Blob; name: string }>())
  const t: T = translator(widgetDicts, lang)

  const setLang = (l: Lang) => {
    setLangState(l)
    saveVisitor(storage, { ...visitor, lang: l })
  }

  useEffect(() => {
    api.register(
      () => setOpen(true),
      () => setOpen(false),
      (l) => setLang(l),
    )
  }, [])

  // Connect on first open only: a closed launcher costs the shop page nothing.
  useEffect(() => {
    if (!open || transport.current) return
    transport.current = connect(config.base, visitor, config.identity, lang, {
      message: (m) => setMessages((ms) => upsert(ms, m)),
      status: setStatus,
      typing: setTyping,
      visitor: (v) => saveVisitor(storage, { ...v, lang }),
    })
  }, [open])

  useEffect(() => () => transport.current?.close(), [])

  useEffect(() => {
    if (open) input.current?.focus()
  }, [open])

  useEffect(() => {
    const el = log.current
    if (el) el.scrollTop = el.scrollHeight
  }, [messages, typing, open])

  const close = () => {
    setOpen(false)
    // Return focus to the launcher so keyboard users are not lost.
    setTimeout(() => launcher.current?.focus(), 0)
  }

  const send = (text: string, reuseId?: string) => {
    const body = text.trim()
    if (!body) return
    // A retry keeps its id: the server treats it as the same message (idempotent).
    const id = reuseId ?? 'c-' + randomId()
    const m: ChatMessage = { id, from: 'customer', text: body, at: new Date().toISOString(), state: 'sending' }
    setMessages((ms) => [...ms, m])
    setDraft('')
    stopTyping()
    const tr = transport.current
    const done = (state?: 'failed') => setMessages((ms) => ms.map((x) => (x.id === id ? { ...x, state } : x)))
    if (!tr) return done('failed')
    tr.send(body, id).then(
      () => done(),
      () => done('failed'),
    )
  }

  // Tell the agent we are typing: once at the start, and "stopped" after 3 s without keys.
  const stopTyping = () => {
    if (typingTimer.current !== undefined) {
      clearTimeout(typingTimer.current)
      typingTimer.current = undefined
      transport.current?.typing(false)
    }
  }
  const keyTyped = () => {
    if (typingTimer.current === undefined) transport.current?.typing(true)
    else clearTimeout(typingTimer.current)
    typingTimer.current = setTimeout(stopTyping, 3000)
  }

  const retry = (m: ChatMessage) => {
    const file = outbox.current.get(m.id)
    if (file) return sendMedia(file.kind, file.file, file.name, m)
    setMessages((ms) => ms.filter((x) => x.id !== m.id))
    send(m.text, m.id)
  }

  // A photo or recording shows at once from a local preview; the server's copy (same client
  // id) replaces it once uploaded and sent.
  const sendMedia = (kind: 'image' | 'voice', file: Blob, name: string, again?: ChatMessage) => {
    const id = again?.id ?? 'c-' + randomId()
    outbox.current.set(id, { kind, file, name })
    const m: ChatMessage = again ?? { id, from: 'customer', text: '', at: new Date().toISOString(), media: [{ kind, url: URL.createObjectURL(file) }] }
    setMessages((ms) => upsert(ms, { ...m, state: 'sending' }))
    setNotice('')
    const tr = transport.current
    const fail = (e?: unknown) => {
      setMessages((ms) => ms.map((x) => (x.id === id ? { ...x, state: 'failed' } : x)))
      if (e instanceof Error && e.message) setNotice(t('uploadFailed', { reason: e.message }))
    }
    if (!tr) return fail()
    tr.sendMedia(kind, file, name, id).then(() => {
      outbox.current.delete(id)
      setMessages((ms) => ms.map((x) => (x.id === id && x.state ? { ...x, state: undefined } : x)))
    }, fail)
  }

  const pickPhoto = (f: File | null) => {
    if (!f) return
    const problem = photoProblem(f)
    if (problem) return setNotice(t(problem))
    setNotice('')
    if (photo) URL.revokeObjectURL(photo.url)
    setPhoto({ file: f, url: URL.createObjectURL(f) })
  }

  const submit = () => {
    if (photo) {
      sendMedia('image', photo.file, photo.file.name || 'photo')
      setPhoto(null)
    }
    if (draft.trim()) send(draft)
    input.current?.focus()
  }

  const csat: CsatFn = (token, rating) => (transport.current ? transport.current.csat(token, rating) : Promise.reject(new Error('offline')))

  const fg = textOn(config.color)
  const side = config.position
  const quick = config.quickReplies[lang]
  const statusText = t(status)

  return (
    <div class={`kefu kefu-${side}`} lang={lang} style={`--kefu-brand:${config.color};--kefu-on-brand:${fg}`}>
      {open && (
        <section
          id="kefu-panel"
          role="dialog"
          aria-modal="false"
          aria-labelledby="kefu-title"
          class={dragging ? 'panel dragging' : 'panel'}
          onDragOver={(e) => {
            if (!e.dataTransfer?.types.includes('Files')) return
            e.preventDefault()
            setDragging(true)
          }}
          onDragLeave={(e) => {
            if (e.target === e.currentTarget) setDragging(false)
          }}
          onDrop={(e) => {
            if (!e.dataTransfer?.files.length) return
            e.preventDefault()
            setDragging(false)
            pickPhoto(firstPhoto(e.dataTransfer.files))
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation()
              close()
            }
          }}
        >
          <header class="head">
            {config.logo && <img class="logo" src={config.logo} alt="" width={32} height={32} />}
            <div class="titles">
              <h2 id="kefu-title">{config.title[lang]}</h2>
              <p class={`status status-${status}`} role="status">
                {statusText}
              </p>
            </div>
            <button type="button" class="lang" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} aria-label={t('switchLang')}>
              {t('langLabel')}
            </button>
            <button type="button" class="icon" onClick={close} aria-label={t('close')}>
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
              </svg>
            </button>
          </header>
          <div class="log" ref={log} role="log" aria-live="polite" aria-relevant="additions" tabIndex={0}>
            <Bubble m={{ id: 'greeting', from: 'bot', text: config.greeting[lang], at: '' }} t={t} lang={lang} onQuick={(q) => send(q)} />
            {messages.map((m) => (
              <Bubble key={m.id} m={m} t={t} lang={lang} onQuick={(q) => send(q)} onRetry={retry} csat={csat} />
            ))}
            {typing && <p class="typing">{t('typing')}</p>}
          </div>
          {quick.length > 0 && (
            <nav class="quick" aria-label={t('quickReplies')}>
              {quick.map((q) => (
                <button type="button" key={q} onClick={() => send(q)}>
                  {q}
                </button>
              ))}
            </nav>
          )}
          {dragging && <p class="drop-hint">{t('dropHere')}</p>}
          {notice && (
            <p class="notice" role="alert">
              {notice}
            </p>
          )}
          {photo && (
            <div class="preview" data-testid="widget-photo-preview">
              <img src={photo.url} alt={t('photoPreview')} />
              <button type="button" class="icon" onClick={() => (URL.revokeObjectURL(photo.url), setPhoto(null))} aria-label={t('removePhoto')}>
                <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                  <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                </svg>
              </button>
            </div>
          )}
          <form
            class="compose"
            onSubmit={(e) => {
              e.preventDefault()
              submit()
            }}
          >
            <input
              ref={fileInput}
              type="file"
              accept={PHOTO_TYPES.join(',')}
              class="sr-only"
              tabIndex={-1}
              aria-hidden="true"
              data-testid="widget-file"
              onChange={(e) => {
                const el = e.target as HTMLInputElement
                pickPhoto(el.files?.[0] ?? null)
                el.value = ''
              }}
            />
            <button type="button" class="tool" aria-label={t('photo')} title={t('photo')} onClick={() => fileInput.current?.click()} data-testid="widget-photo">
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path fill="currentColor" d="M4 5h3l2-2h6l2 2h3a1 1 0 011 1v13a1 1 0 01-1 1H4a1 1 0 01-1-1V6a1 1 0 011-1zm8 3.5A4.5 4.5 0 1012 17.5 4.5 4.5 0 0012 8.5zm0 2a2.5 2.5 0 110 5 2.5 2.5 0 010-5z" />
              </svg>
            </button>
            <VoiceRecorder t={t} onRecorded={(b, name) => sendMedia('voice', b, name)} onError={setNotice} />
            <label for="kefu-input" class="sr-only">
              {t('input')}
            </label>
            <textarea
              id="kefu-input"
              ref={input}
              rows={1}
              maxLength={2000}
              value={draft}
              placeholder={t('placeholder')}
              onInput={(e) => {
                setDraft((e.target as HTMLTextAreaElement).value)
                keyTyped()
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                  e.preventDefault()
                  submit()
                }
              }}
              onPaste={(e) => {
                const f = firstPhoto(e.clipboardData?.files)
                if (f) {
                  e.preventDefault()
                  pickPhoto(f)
                }
              }}
            />
            <button type="submit" class="send" disabled={!draft.trim() && !photo} aria-label={photo && !draft.trim() ? t('sendPhoto') : undefined}>
              {t('send')}
            </button>
          </form>
        </section>
      )}
      <button
        type="button"
        class="launcher"
        ref={launcher}
        aria-label={open ? t('close') : t('open')}
        aria-expanded={open}
        aria-controls="kefu-panel"
        onClick={() => (open ? close() : setOpen(true))}
      >
        {open ? (
          <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">
            <path d="M6 9l6 6 6-6" stroke="currentColor" stroke-width="2.4" fill="none" stroke-linecap="round" />
          </svg>
        ) : (
          <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
            <path fill="currentColor" d="M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4.4 21l3.9-2.1c1.2.4 2.4.6 3.7.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3zm-4 9.8a1.3 1.3 0 110-2.6 1.3 1.3 0 010 2.6zm4 0a1.3 1.3 0 110-2.6 1.3 1.3 0 010 2.6zm4 0a1.3 1.3 0 110-2.6 1.3 1.3 0 010 2.6z" />
          </svg>
        )}
      </button>
    </div>
  )
}

function upsert(ms: ChatMessage[], m: ChatMessage): ChatMessage[] {
  const i = ms.findIndex((x) => x.id === m.id)
  if (i < 0) return [...ms, m]
  const out = ms.slice()
  out[i] = m
  return out
}

function Bubble({ m, t, lang, onQuick, onRetry, csat }: { m: ChatMessage; t: T; lang: Lang; onQuick(text: string): void; onRetry?(m: ChatMessage): void; csat?: CsatFn }) {
  const mine = m.from === 'customer'
  return (
    <div class={`msg ${mine ? 'mine' : 'theirs'} from-${m.from}`}>
      {mine ? <span class="sr-only">{t('you')}: </span> : <small class="who">{t(m.from as 'bot' | 'agent' | 'system')}</small>}
      {m.text && <p class="bubble">{m.text}</p>}
      {m.media && <MediaView media={m.media} t={t} />}
      {m.card && m.card.kind === 'csat' && <CsatCardView c={m.card} t={t} csat={csat} />}
      {m.card && m.card.kind === 'order' && <OrderCardView c={m.card} t={t} lang={lang} />}
      {m.card && m.card.kind === 'case' && <CaseCardView c={m.card} t={t} lang={lang} />}
      {m.card && m.card.kind === 'product' && <ProductCardView c={m.card} lang={lang} />}
      {m.quick_replies && m.quick_replies.length > 0 && (
        <div class="inline-quick">
          {m.quick_replies.map((q) => (
            <button type="button" key={q.label} onClick={() => onQuick(q.text || q.label)}>
              {q.label}
            </button>
          ))}
        </div>
      )}
      {m.state === 'sending' && <small class="meta">{t('sending')}</small>}
      {m.state === 'failed' && (
        <button type="button" class="meta failed" onClick={() => onRetry?.(m)}>
          {t('failed')}
        </button>
      )}
    </div>
  )
}

function OrderCardView({ c, t, lang }: { c: OrderCard; t: T; lang: Lang }) {
  const statusKey = ('status.' + c.status) as WidgetKey
  const label = c.status_label || (statusKey in widgetDicts.en ? t(statusKey) : c.status)
  return (
    <article class="card" aria-label={t('order', { number: c.number })} data-kind="order">
      <header>
        <strong>{t('order', { number: c.number })}</strong>
        <span class="badge">{label}</span>
      </header>
      {c.title && (
        <p class="card-line">
          {c.title}
          {c.item_count && c.item_count > 1 ? ' ' + t('items', { n: c.item_count }) : ''}
        </p>
      )}
      {c.total_cents !== undefined && (
        <p class="card-line">
          {t('orderTotal')} {money(c.total_cents, lang)}
        </p>
      )}
      {c.tracking_number && (
        <p class="tracking" data-testid="widget-tracking">
          {t('tracking', { carrier: c.carrier_name ?? '', number: c.tracking_number })}
        </p>
      )}
      {c.latest && <p class="card-line muted">{c.latest}</p>}
    </article>
  )
}

function CaseCardView({ c, t, lang }: { c: CaseCard; t: T; lang: Lang }) {
  return (
    <article class="card" aria-label={t('caseTitle', { number: c.number })} data-kind="case">
      <header>
        <strong>{t('caseTitle', { number: c.number })}</strong>
        {('case.' + c.type) in widgetDicts.en && <span class="badge kind">{t(('case.' + c.type) as WidgetKey)}</span>}
        <span class="badge" data-testid="widget-case-status">
          {c.status_label || c.status}
        </span>
      </header>
      {c.order_number && <p class="card-line">{t('order', { number: c.order_number })}</p>}
      {c.amount_cents !== undefined && c.amount_cents > 0 && <p class="card-line">{money(c.amount_cents, lang)}</p>}
    </article>
  )
}

function ProductCardView({ c, lang }: { c: ProductCard; lang: Lang }) {
  return (
    <article class="card" aria-label={c.title} data-kind="product">
      <header>
        <strong>{c.title}</strong>
        {c.price_cents !== undefined && <span class="badge">{money(c.price_cents, lang)}</span>}
      </header>
    </article>
  )
}
