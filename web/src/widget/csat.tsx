// The satisfaction survey the server posts when a ticket is resolved: five stars (a radio
// group, so arrow keys and screen readers work as with any form) and an optional comment,
// sent to the public signed link. Its state comes from the link, so a reload or a second tab
// shows "thanks" rather than a survey that would be refused.
import { useEffect, useState } from 'preact/hooks'
import type { WidgetKey } from './messages'
import type { CsatCard, CsatState } from './transport'

type T = (k: WidgetKey, p?: Record<string, string | number>) => string

export type CsatFn = (token: string, rating?: { score: number; comment: string }) => Promise<CsatState>

type Phase = 'loading' | 'open' | 'sending' | 'done' | 'closed'

export function CsatCardView({ c, t, csat }: { c: CsatCard; t: T; csat?: CsatFn }) {
  const [phase, setPhase] = useState<Phase>('loading')
  const [score, setScore] = useState(0)
  const [comment, setComment] = useState('')
  const [error, setError] = useState(false)
  const name = 'csat-' + c.token.slice(-12)

  const show = (st: CsatState) => {
    if (st.rated) {
      setScore(st.score ?? score)
      setPhase('done')
    } else setPhase(st.can_rate ? 'open' : 'closed')
  }
  useEffect(() => {
    if (!csat) return setPhase('open')
    csat(c.token).then(show, () => setPhase('open'))
  }, [c.token])

  const submit = (e: Event) => {
    e.preventDefault()
    if (!score || !csat) return
    setPhase('sending')
    setError(false)
    csat(c.token, { score, comment: comment.trim() }).then(show, () => {
      setError(true)
      setPhase('open')
    })
  }

  return (
    <article class="card csat" data-kind="csat" data-testid="widget-csat" aria-labelledby={name + '-title'}>
      <header>
        <strong id={name + '-title'}>{t('csatTitle', { ref: c.ticket_ref || '' })}</strong>
      </header>
      {phase === 'done' ? (
        <p class="card-line" role="status" data-testid="widget-csat-thanks">
          {t('csatThanks', { n: score })}
        </p>
      ) : phase === 'closed' ? (
        <p class="card-line muted">{t('csatClosed')}</p>
      ) : (
        <form onSubmit={submit}>
          <fieldset class="stars" disabled={phase !== 'open'}>
            <legend class="sr-only">{t('csatLegend')}</legend>
            {[1, 2, 3, 4, 5].map((n) => (
              <span key={n}>
                <input type="radio" id={`${name}-${n}`} name={name} value={n} checked={score === n} onChange={() => setScore(n)} />
                <label for={`${name}-${n}`} class={n <= score ? 'on' : ''} title={t(('csat.' + n) as WidgetKey)}>
                  <span aria-hidden="true">★</span>
                  <span class="sr-only">
                    {t('csatStar', { n })} – {t(('csat.' + n) as WidgetKey)}
                  </span>
                </label>
              </span>
            ))}
          </fieldset>
          {score > 0 && <p class="card-line muted">{t(('csat.' + score) as WidgetKey)}</p>}
          <label class="sr-only" for={name + '-comment'}>
            {t('csatComment')}
          </label>
          <textarea
            id={name + '-comment'}
            rows={2}
            maxLength={1000}
            value={comment}
            placeholder={t('csatComment')}
            onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
          />
          {error && (
            <p class="card-line failed" role="alert">
              {t('csatError')}
            </p>
          )}
          <button type="submit" class="send" disabled={!score || phase !== 'open'}>
            {t('csatSubmit')}
          </button>
        </form>
      )}
    </article>
  )
}
