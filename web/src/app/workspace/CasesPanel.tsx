import { useState } from 'preact/hooks'
import { dateTime, money } from '../../shared/format'
import { api, query, type Page } from '../api'
import { useApp } from '../state'
import { ErrorBox, Loading, useAsync } from '../ui'
import { useW } from './messages'
import { toCents, type Case, type CaseDetail } from './model'

// Events that need more than a click: a note (the customer is told why), an amount, a number.
const NEEDS_NOTE = new Set(['reject', 'fail_inspection'])
const NEEDS_TRACKING = new Set(['ship_return', 'reship', 'return_to_customer'])
// The common actions first; the rest follow in the server's order.
const ORDER = ['approve', 'reject', 'request_return', 'receive', 'pass_inspection', 'fail_inspection', 'refund']

/**
 * CasesPanel lists the customer's after-sales cases with the policy decision that was taken
 * (outcome, the rule that decided and every rule checked) and offers exactly the moves the case's
 * state machine allows this agent: approve or reject a return, record received goods, refund…
 */
export function CasesPanel({ customerId }: { customerId: number | null }) {
  const w = useW()
  const [n, setN] = useState(0)
  const list = useAsync(
    () => (customerId ? api<Page<Case>>('GET', '/api/v1/aftersales/cases' + query({ customer_id: customerId, sort: '-id', limit: 20 })) : Promise.resolve(null)),
    [customerId, n],
  )
  return (
    <section class="panel-sec" aria-labelledby="cases-h" data-testid="cases-panel">
      <h3 id="cases-h">{w.t('cases.title')}</h3>
      {!customerId && <p class="muted">{w.t('cases.visitor')}</p>}
      {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
      {customerId && list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <p class="muted">{w.t('cases.none')}</p>}
      {(list.data?.items ?? []).map((c, i) => (
        <CaseCard key={c.id} c={c} initiallyOpen={i === 0 || c.state === 'requested'} onChange={() => setN((x) => x + 1)} />
      ))}
    </section>
  )
}

function CaseCard({ c: initial, initiallyOpen, onChange }: { c: Case; initiallyOpen: boolean; onChange(): void }) {
  const { lang, can } = useApp()
  const w = useW()
  const [open, setOpen] = useState(initiallyOpen)
  const detail = useAsync(() => (open ? api<CaseDetail>('GET', `/api/v1/aftersales/cases/${initial.id}`) : Promise.resolve(null)), [open, initial.id, initial.version])
  const c = detail.data?.case ?? initial
  const d = c.decision
  const [pending, setPending] = useState<string | null>(null) // the event waiting for its note/amount
  const [note, setNote] = useState('')
  const [amount, setAmount] = useState('')
  const [tracking, setTracking] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [done, setDone] = useState('')

  const send = async (event: string) => {
    const body: Record<string, unknown> = { event, version: c.version }
    if (NEEDS_NOTE.has(event)) body.note = note.trim()
    if (NEEDS_TRACKING.has(event)) body.tracking_number = tracking.trim()
    if (event === 'refund') {
      const cents = toCents(amount)
      if (cents == null) return setError(new Error(w.t('case.amount')))
      body.amount = cents
    }
    setBusy(true)
    setError(null)
    try {
      const rec = await api<Case>('POST', `/api/v1/aftersales/cases/${c.id}/events`, body)
      setDone(w.t('case.done', { ref: rec.ref, state: w.label('cstate.', rec.state) }))
      setPending(null)
      setNote('')
      setTracking('')
      detail.reload()
      onChange()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const click = (event: string) => {
    if (NEEDS_NOTE.has(event) || NEEDS_TRACKING.has(event) || event === 'refund') {
      setPending(event)
      if (event === 'refund') setAmount((Math.max(0, (c.approved_cents || c.requested_cents) - c.refunded_cents) / 100).toFixed(2))
      return
    }
    send(event)
  }
  const allowed = [...(detail.data?.allowed_events ?? [])].sort((a, b) => rank(a) - rank(b))
  const reason = lang === 'zh-CN' ? d?.reason_zh : d?.reason_en
  return (
    <article class={`case-card cs-${c.state}`} data-testid="case" data-ref={c.ref} data-state={c.state}>
      <header>
        <button type="button" class="link case-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          <strong class="mono">{c.ref}</strong> {w.label('kind.', c.kind)}
        </button>
        <span class={`badge cs-${c.state}`} data-testid="case-state">
          {w.label('cstate.', c.state)}
        </span>
      </header>
      {open && (
        <>
          {d && (
            <div class={`decision out-${d.outcome}`} data-testid="case-decision">
              <p>
                <strong>{w.t('case.decision')}:</strong> {w.label('outcome.', d.outcome)}
              </p>
              {reason && <p class="small">{reason}</p>}
              {d.rule_id && <p class="small muted mono">{w.t('case.rule', { rule: d.rule_id })}</p>}
              {d.trace && d.trace.length > 0 && (
                <details>
                  <summary class="small">{w.t('case.trace')}</summary>
                  <ul class="plain small trace">
                    {d.trace.map((k, i) => (
                      <li key={i}>
                        <span aria-hidden="true">{k.passed ? '✓' : '✗'}</span> <span class="mono">{k.rule_id}</span> {k.detail}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </div>
          )}
          <dl class="facts tight small">
            <dt>{w.t('case.requested')}</dt>
            <dd>{money(c.requested_cents, lang)}</dd>
            {c.approved_cents > 0 && (
              <>
                <dt>{w.t('case.approvedAmt')}</dt>
                <dd>{money(c.approved_cents, lang)}</dd>
              </>
            )}
            {c.refunded_cents > 0 && (
              <>
                <dt>{w.t('case.refunded')}</dt>
                <dd>{money(c.refunded_cents, lang)}</dd>
              </>
            )}
            {c.reason && (
              <>
                <dt>{w.t('case.reason')}</dt>
                <dd>{c.reason}</dd>
              </>
            )}
          </dl>
          {detail.error != null && <ErrorBox error={detail.error} onRetry={detail.reload} />}
          {error != null && <ErrorBox error={error} />}
          {done && (
            <p class="small ok-text" role="status" data-testid="case-done">
              {done}
            </p>
          )}
          {can('aftersales:write') && allowed.length > 0 && !pending && (
            <div class="btn-row" role="group" aria-label={c.ref}>
              {allowed.map((ev) => (
                <button key={ev} type="button" class={ev === 'approve' ? 'primary small' : 'ghost small'} disabled={busy} data-event={ev} onClick={() => click(ev)}>
                  {w.label('ev.', ev)}
                </button>
              ))}
            </div>
          )}
          {pending && (
            <form
              class="case-form"
              onSubmit={(e) => {
                e.preventDefault()
                send(pending)
              }}
            >
              {NEEDS_NOTE.has(pending) && (
                <label class="field">
                  <span>{w.t('case.note')}</span>
                  <textarea rows={2} required maxLength={1000} value={note} name="case-note" onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
                </label>
              )}
              {NEEDS_TRACKING.has(pending) && (
                <label class="field">
                  <span>{w.t('case.tracking')}</span>
                  <input required maxLength={60} value={tracking} name="case-tracking" onInput={(e) => setTracking((e.target as HTMLInputElement).value)} />
                </label>
              )}
              {pending === 'refund' && (
                <label class="field">
                  <span>{w.t('case.amount')}</span>
                  <input required inputMode="decimal" value={amount} name="case-amount" onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
                </label>
              )}
              <div class="btn-row">
                <button type="submit" class="primary small" disabled={busy} data-testid="case-confirm">
                  {w.label('ev.', pending)}
                </button>
                <button type="button" class="ghost small" onClick={() => setPending(null)}>
                  {w.t('keys.close')}
                </button>
              </div>
            </form>
          )}
          {(detail.data?.events ?? []).length > 0 && (
            <details class="small">
              <summary>{w.t('case.history')}</summary>
              <ol class="timeline">
                {(detail.data?.events ?? []).map((e) => (
                  <li key={e.id}>
                    <time>{dateTime(e.at, lang)}</time> {w.label('cstate.', e.from)} → {w.label('cstate.', e.to)} {e.note && <span class="muted">· {e.note}</span>}
                  </li>
                ))}
              </ol>
            </details>
          )}
        </>
      )}
    </article>
  )
}

function rank(ev: string) {
  const i = ORDER.indexOf(ev)
  return i < 0 ? ORDER.length : i
}
