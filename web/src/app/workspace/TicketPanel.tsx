import { useEffect, useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, query, type Conversation, type Page, type User } from '../api'
import { useApp } from '../state'
import { ErrorBox, Loading, useAsync } from '../ui'
import { useW } from './messages'
import { clock, duration, type Ticket, type TicketDetail } from './model'

/** useTicket finds the conversation's latest ticket and keeps its detail (events, allowed moves). */
export function useTicket(conversationId: number) {
  const [n, setN] = useState(0)
  const found = useAsync(() => api<Page<Ticket>>('GET', '/api/v1/tickets' + query({ conversation_id: conversationId, sort: '-id', limit: 5 })), [conversationId, n])
  const latest = found.data?.items?.[0]
  const detail = useAsync(() => (latest ? api<TicketDetail>('GET', `/api/v1/tickets/${latest.id}`) : Promise.resolve(null)), [latest?.id, latest?.version, n])
  return {
    loading: found.loading && !found.data,
    error: found.error ?? detail.error,
    detail: latest ? detail.data : null,
    reload: () => setN((x) => x + 1),
  }
}

let usersOnce: Promise<User[]> | null = null
function staff(): Promise<User[]> {
  usersOnce ??= api<{ items: User[] }>('GET', '/api/v1/users').then(
    (r) => (r.items ?? []).filter((u) => !u.disabled),
    (e) => {
      usersOnce = null
      throw e
    },
  )
  return usersOnce
}

/** useNow ticks every second while mounted (the SLA countdown). */
function useNow() {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [])
  return now
}

/**
 * TicketPanel: the conversation's ticket — status with only the moves the workflow allows,
 * priority with the reasons it was computed from (and an override), both SLA clocks counting
 * down, the assignee (reassign) and internal notes.
 */
export function TicketPanel({ conv, t: tk }: { conv: Conversation; t: ReturnType<typeof useTicket> }) {
  const { lang, can, has } = useApp()
  const w = useW()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [note, setNote] = useState('')
  const [flash, setFlash] = useState('')
  const users = useAsync(() => (can('users:read') && has('/api/v1/users') ? staff() : Promise.resolve([] as User[])), [])
  const now = useNow()
  const writable = can('tickets:write')

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await fn()
      setFlash(w.t('ticket.updated'))
      tk.reload()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  if (tk.loading) return <Loading />
  const d = tk.detail
  if (!d) {
    return (
      <section class="panel-sec" aria-labelledby="ticket-h" data-testid="ticket-panel">
        <h3 id="ticket-h">{w.t('ticket.title')}</h3>
        {tk.error != null && <ErrorBox error={tk.error} onRetry={tk.reload} />}
        <p class="muted">{w.t('ticket.none')}</p>
        {writable && (
          <button
            type="button"
            class="ghost"
            disabled={busy}
            data-testid="create-ticket"
            onClick={() =>
              act(() =>
                api('POST', '/api/v1/tickets', {
                  subject: conv.subject || `#${conv.id}`,
                  conversation_id: conv.id,
                  customer_id: conv.customer_id ?? 0,
                  language: conv.lang,
                }),
              )
            }
          >
            {w.t('ticket.create')}
          </button>
        )}
        {error != null && <ErrorBox error={error} />}
      </section>
    )
  }
  const t = d.ticket
  const notes = (d.events ?? []).filter((e) => e.kind === 'note')
  const fr = t.first_responded_at ? null : clock(t.first_response_due_at, t.sla?.first_response_state, t.sla_paused_at, now)
  const res = clock(t.resolution_due_at, t.sla?.resolution_state, t.sla_paused_at, now)
  const reasons = t.priority_reasons ?? []
  const assignee = (users.data ?? []).find((u) => u.id === t.assignee_id)
  return (
    <section class="panel-sec" aria-labelledby="ticket-h" data-testid="ticket-panel">
      <h3 id="ticket-h">
        {w.t('ticket.title')} <span class="mono">{t.ref}</span>
      </h3>
      <p class="ticket-subject">{t.subject}</p>
      {tk.error != null && <ErrorBox error={tk.error} onRetry={tk.reload} />}
      {error != null && <ErrorBox error={error} />}
      {flash && !error && (
        <p class="small ok-text" role="status">
          {flash}
        </p>
      )}
      <dl class="facts tight">
        <dt>{w.t('ticket.status')}</dt>
        <dd>
          <span class={`badge ts-${t.status}`} data-testid="ticket-status">
            {w.label('tstatus.', t.status)}
          </span>
        </dd>
        <dt>{w.t('ticket.category')}</dt>
        <dd>{t.category}</dd>
        <dt>{w.t('ticket.priority')}</dt>
        <dd>
          <span class={`badge prio-${t.priority}`} data-testid="ticket-priority">
            {w.label('prio.', t.priority)}
          </span>
          {t.priority_overridden && <small class="muted"> · {w.t('ticket.overridden')}</small>}
        </dd>
        <dt>{w.t('ticket.assignee')}</dt>
        <dd data-testid="ticket-assignee">{assignee ? assignee.name : t.assignee_id ? `#${t.assignee_id}` : w.t('ticket.unassigned')}</dd>
      </dl>

      {reasons.length > 0 && (
        <details class="reasons" open>
          <summary>{w.t('ticket.reasons')}</summary>
          <ul class="plain small" data-testid="priority-reasons">
            {reasons.map((r) => (
              <li key={r.code}>
                <span class="num pts">+{r.points}</span> {lang === 'zh-CN' ? r.zh : r.en}
              </li>
            ))}
          </ul>
        </details>
      )}

      {(fr || res) && (
        <div class="sla" role="group" aria-label={w.t('ticket.sla')} data-testid="sla">
          {fr && <SlaLine label={w.t('ticket.firstResponse')} c={fr} />}
          {res && <SlaLine label={w.t('ticket.resolution')} c={res} />}
        </div>
      )}

      {writable && (
        <div class="ticket-actions">
          {(d.allowed_transitions ?? []).length > 0 && (
            <div class="btn-row" role="group" aria-label={w.t('ticket.move')}>
              {(d.allowed_transitions ?? []).map((s) => (
                <button key={s} type="button" class="ghost small" disabled={busy} data-to={s} onClick={() => act(() => api('POST', `/api/v1/tickets/${t.id}/transition`, { to: s, version: t.version }))}>
                  {w.t('ticket.move')}: {w.label('tstatus.', s)}
                </button>
              ))}
            </div>
          )}
          <label class="inline">
            <span>{w.t('ticket.setPriority')}</span>
            <select
              value={t.priority}
              disabled={busy}
              data-testid="priority-select"
              onChange={(e) => {
                const p = (e.target as HTMLSelectElement).value
                if (p !== t.priority) act(() => api('POST', `/api/v1/tickets/${t.id}/priority`, { priority: p, version: t.version, note: '' }))
              }}
            >
              {['urgent', 'high', 'normal', 'low'].map((p) => (
                <option key={p} value={p}>
                  {w.label('prio.', p)}
                </option>
              ))}
            </select>
          </label>
          {users.data && users.data.length > 0 && (
            <label class="inline">
              <span>{w.t('ticket.reassign')}</span>
              <select
                value={String(t.assignee_id ?? 0)}
                disabled={busy}
                data-testid="assignee-select"
                onChange={(e) => {
                  const id = Number((e.target as HTMLSelectElement).value)
                  act(() => api('POST', `/api/v1/tickets/${t.id}/assign`, { team_id: t.team_id ?? 0, agent_id: id, version: t.version }))
                }}
              >
                <option value="0">{w.t('ticket.unassigned')}</option>
                {users.data.map((u) => (
                  <option key={u.id} value={String(u.id)}>
                    {u.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      )}

      <h4>{w.t('ticket.notes')}</h4>
      {notes.length === 0 && <p class="muted small">{w.t('ticket.noNotes')}</p>}
      <ul class="plain notes" data-testid="ticket-notes">
        {notes.map((e) => (
          <li key={e.id}>
            <time class="muted small">{dateTime(e.at, lang)}</time>
            <p>{e.body}</p>
          </li>
        ))}
      </ul>
      {writable && (
        <form
          class="note-form"
          onSubmit={(e) => {
            e.preventDefault()
            const body = note.trim()
            if (body) act(() => api('POST', `/api/v1/tickets/${t.id}/notes`, { body }).then(() => setNote('')))
          }}
        >
          <label class="sr-only" for="ticket-note">
            {w.t('ticket.addNote')}
          </label>
          <textarea id="ticket-note" rows={2} maxLength={4000} value={note} placeholder={w.t('ticket.notePlaceholder')} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
          <button type="submit" class="ghost small" disabled={busy || !note.trim()}>
            {w.t('ticket.addNote')}
          </button>
        </form>
      )}
    </section>
  )
}

function SlaLine({ label, c }: { label: string; c: { ms: number; state: string } }) {
  const w = useW()
  let text: string
  if (c.state === 'met') text = w.t('sla.met')
  else if (c.state === 'missed') text = w.t('sla.missed')
  else if (c.ms < 0) text = w.t('ticket.over', { t: duration(c.ms) })
  else text = w.t('ticket.left', { t: duration(c.ms) }) + (c.state === 'paused' ? ` · ${w.t('ticket.paused')}` : '')
  return (
    <p class={`sla-line sla-${c.state}`}>
      <span>{label}</span>
      <strong class="num" data-testid="sla-countdown">
        {text}
      </strong>
      <span class="badge">{w.label('sla.', c.state)}</span>
    </p>
  )
}
