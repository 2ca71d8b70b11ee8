import { Fragment } from 'preact'
import { useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, type Message } from '../api'
import type { Key } from '../messages'
import { useApp } from '../state'
import { ErrorBox } from '../ui'
import { useW } from './messages'
import type { NLU } from './model'
import { BotIcon } from './icons'
import { MessageMedia } from './MessageMedia'
import { isMedia, isPlaceholder } from './media'

let intentsOnce: Promise<string[]> | null = null
function intents(): Promise<string[]> {
  intentsOnce ??= api<{ items: string[] }>('GET', '/api/v1/nlu/intents').then(
    (r) => r.items ?? [],
    (e) => {
      intentsOnce = null
      throw e
    },
  )
  return intentsOnce
}

const pct = (x?: number) => (typeof x === 'number' ? Math.round(x * 100) + '%' : '')

/**
 * MessageRow is one turn of the history: bot turns visibly marked, internal notes yellow,
 * customer turns with their NLU reading (intent, confidence, sentiment, entities) on hover or
 * keyboard focus, and a way to correct the intent, which becomes a training example. Photos
 * and voice messages show as thumbnails and a player, with the text kefu recognised in them.
 */
export function MessageRow({ m, canCorrect, onCorrected, onStale }: { m: Message; canCorrect: boolean; onCorrected(m: Message): void; onStale(id: number): Promise<void> }) {
  const { t, lang } = useApp()
  const w = useW()
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
  const nlu: NLU | null = m.nlu && typeof m.nlu === 'object' ? m.nlu : null
  const intent = m.intent || nlu?.intent || ''
  const tipId = `nlu-${m.id}`
  return (
    <div class={`mrow ${staff ? 'out' : 'in'} from-${m.sender_kind} ${m.internal ? 'note' : ''}`} data-sender={m.sender_kind} data-id={m.id}>
      <div class="mmeta">
        <span class={`who-chip who-${m.sender_kind}`} title={m.sender_kind === 'bot' ? w.t('conv.botTurn') : undefined}>
          {m.sender_kind === 'bot' && (
            <span class="bot-mark" aria-hidden="true">
              <BotIcon />{' '}
            </span>
          )}
          {m.internal ? t('conv.internal') : t(('conv.' + m.sender_kind) as Key)}
        </span>
        <time dateTime={m.created_at}>{dateTime(m.created_at, lang)}</time>
        {m.sender_kind === 'customer' && (intent || nlu) && (
          <span class="nlu-wrap">
            <button type="button" class="intent nlu-chip" aria-describedby={tipId} data-testid="nlu-chip">
              {intent ? t('conv.intent', { intent }) : w.t('conv.nlu')}
              {nlu?.confidence != null && <span class="muted"> · {pct(nlu.confidence)}</span>}
            </button>
            <span class="nlu-tip" role="tooltip" id={tipId}>
              <NluFacts nlu={nlu} intent={intent} />
            </span>
          </span>
        )}
        {m.sender_kind !== 'customer' && m.intent && <span class="intent muted">{t('conv.intent', { intent: m.intent })}</span>}
        {m.sender_kind === 'customer' && canCorrect && m.content_type === 'text' && <CorrectIntent m={m} current={intent} onCorrected={onCorrected} />}
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
        !(isMedia(m) && isPlaceholder(m.body)) && <p class="mbody">{m.body}</p>
      )}
      {isMedia(m) && <MessageMedia m={m} onStale={onStale} />}
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

function NluFacts({ nlu, intent }: { nlu: NLU | null; intent: string }) {
  const w = useW()
  if (!nlu && !intent) return <>{w.t('nlu.none')}</>
  const s = nlu?.sentiment
  const flags = [s?.anger ? w.t('nlu.anger') : '', s?.urgency ? w.t('nlu.urgency') : ''].filter(Boolean)
  const alts = (nlu?.top ?? []).filter((x) => x.intent !== intent).slice(0, 3)
  return (
    <dl>
      <dt>{w.t('nlu.intent')}</dt>
      <dd data-testid="nlu-intent">{intent || '—'}</dd>
      {nlu?.confidence != null && (
        <>
          <dt>{w.t('nlu.confidence')}</dt>
          <dd data-testid="nlu-confidence">{pct(nlu.confidence)}</dd>
        </>
      )}
      {s && (
        <>
          <dt>{w.t('nlu.sentiment')}</dt>
          <dd data-testid="nlu-sentiment">
            {s.polarity ? w.label('senti.', s.polarity) : ''} {typeof s.score === 'number' ? `(${s.score.toFixed(2)})` : ''} {flags.join(' · ')}
          </dd>
        </>
      )}
      {nlu?.entities && nlu.entities.length > 0 && (
        <>
          <dt>{w.t('nlu.entities')}</dt>
          <dd>{nlu.entities.map((e) => `${e.type}: ${e.value || e.text}`).join(', ')}</dd>
        </>
      )}
      {alts.length > 0 && (
        <>
          <dt>{w.t('nlu.alternatives')}</dt>
          <dd>{alts.map((a) => `${a.intent} ${pct(a.confidence)}`).join(', ')}</dd>
        </>
      )}
    </dl>
  )
}

function CorrectIntent({ m, current, onCorrected }: { m: Message; current: string; onCorrected(m: Message): void }) {
  const w = useW()
  const [open, setOpen] = useState(false)
  const [list, setList] = useState<string[] | null>(null)
  const [choice, setChoice] = useState(current)
  const [error, setError] = useState<unknown>(null)
  const [done, setDone] = useState('')
  const start = () => {
    setOpen(true)
    setDone('')
    intents().then(setList, setError)
  }
  const save = async (e: Event) => {
    e.preventDefault()
    try {
      const r = await api<{ intent: string }>('POST', `/api/v1/messages/${m.id}/intent`, { intent: choice })
      onCorrected({ ...m, intent: r.intent })
      setDone(w.t('nlu.corrected', { intent: r.intent }))
      setOpen(false)
    } catch (err) {
      setError(err)
    }
  }
  if (!open)
    return (
      <>
        <button type="button" class="link small correct-intent" onClick={start} aria-label={`${w.t('nlu.correctLabel')}: ${m.body.slice(0, 40)}`} data-testid="correct-intent">
          ✎ {w.t('nlu.correct')}
        </button>
        {done && (
          <span class="small ok-text" role="status" data-testid="intent-corrected">
            {done}
          </span>
        )}
      </>
    )
  return (
    <form class="intent-form" onSubmit={save}>
      <label>
        <span class="sr-only">{w.t('nlu.correctLabel')}</span>
        <select value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value)} aria-label={w.t('nlu.correctLabel')} data-testid="intent-select">
          {!list && <option value={choice}>{choice || '…'}</option>}
          {(list ?? []).map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="ghost small" disabled={!list || !choice}>
        {w.t('nlu.save')}
      </button>
      <button type="button" class="link small" onClick={() => setOpen(false)}>
        ✕<span class="sr-only">{w.t('keys.close')}</span>
      </button>
      {error != null && <ErrorBox error={error} />}
    </form>
  )
}
