// Types of the ticket, after-sales and NLU APIs as the workspace uses them, and the pure rules
// of the workspace (queue filters, merging live refreshes, which changes deserve a desktop
// notification, SLA countdowns, macro variables). No I/O here, so it is unit-tested.
import type { Conversation } from '../api'

export interface Reason {
  code: string
  points: number
  zh: string
  en: string
}

export interface Ticket {
  id: number
  ref: string
  subject: string
  description: string
  type: string
  category: string
  priority: string
  priority_reasons: Reason[] | null
  priority_overridden: boolean
  status: string
  customer_id: number | null
  order_id: number | null
  conversation_id: number | null
  assignee_id: number | null
  team_id: number | null
  tags: string[] | null
  first_response_due_at: string | null
  resolution_due_at: string | null
  first_responded_at: string | null
  sla_paused_at: string | null
  sla_breached: boolean
  version: number
  created_at: string
  updated_at: string
  sla?: { policy: string; first_response_state: string; resolution_state: string; first_response_warn_at: string | null; resolution_warn_at: string | null }
}

export interface TicketEvent {
  id: number
  at: string
  actor_kind: string
  actor_id: number | null
  kind: string
  field: string
  before: string
  after: string
  body: string
  internal: boolean
}

export interface TicketDetail {
  ticket: Ticket
  events: TicketEvent[] | null
  allowed_transitions: string[] | null
}

export interface Check {
  rule_id: string
  passed: boolean
  detail: string
}

export interface Decision {
  allowed: boolean
  outcome: string
  rule_id: string
  reason_zh: string
  reason_en: string
  amount: number
  tier: string
  trace: Check[] | null
}

export interface Case {
  id: number
  ref: string
  kind: string
  state: string
  customer_id: number
  order_id: number | null
  ticket_id: number | null
  reason: string
  description: string
  requested_cents: number
  approved_cents: number
  refunded_cents: number
  return_tracking_number: string
  decision: Decision
  version: number
  created_at: string
  updated_at: string
}

export interface CaseEvent {
  id: number
  at: string
  actor_kind: string
  from: string
  to: string
  note: string
}

export interface CaseDetail {
  case: Case
  events: CaseEvent[] | null
  allowed_events: string[] | null
}

export interface Macro {
  id: number
  name: string
  body: string
  actions?: { type: string; value: string }[]
}

export interface NLU {
  intent?: string
  confidence?: number
  top?: { intent: string; confidence: number }[]
  entities?: { type: string; text: string; value: string }[]
  sentiment?: { polarity?: string; score?: number; anger?: boolean; urgency?: boolean }
}

export type Queue = 'agent' | 'mine' | 'team' | 'unassigned' | 'sla' | 'bot' | 'closed'
export const QUEUES: Queue[] = ['agent', 'mine', 'team', 'unassigned', 'sla', 'bot', 'closed']

export interface Filters {
  status: string // conversation status: open (default), waiting, closed or '' (any)
  sort: 'newest' | 'oldest'
  priority: string // SLA queue
  breached: boolean // SLA queue
}

export const defaultFilters: Filters = { status: 'open', sort: 'newest', priority: '', breached: false }

/** queueSource says which list a queue reads and with which query. */
export function queueSource(q: Queue, f: Filters, me: number): { path: string; params: Record<string, string | number> } {
  if (q === 'sla') {
    const params: Record<string, string | number> = { sla_at_risk: 'true', sort: f.sort === 'oldest' ? 'first_response_due_at' : '-updated_at' }
    if (f.priority) params.priority = f.priority
    if (f.breached) params.breached = 'true'
    return { path: '/api/v1/tickets', params }
  }
  const params: Record<string, string | number> = { sort: f.sort === 'oldest' ? 'last_message_at' : '-last_message_at' }
  const status = q === 'closed' ? 'closed' : f.status
  if (status) params.status = status
  switch (q) {
    case 'agent':
      params.handled_by = 'agent'
      break
    case 'mine':
      params.assignee_id = me
      break
    case 'team':
      params.team_id = 'mine'
      break
    case 'unassigned':
      params.handled_by = 'agent'
      params.assignee_id = 'unassigned'
      break
    case 'bot':
      params.handled_by = 'bot'
      break
  }
  return { path: '/api/v1/conversations', params }
}

/**
 * mergeHead folds a fresh first page into a longer, already scrolled list without losing the
 * agent's place: the fresh rows come first; older rows that would have been inside the fresh
 * page (and so have left the queue or moved) are dropped; the rest keep their order.
 */
export function mergeHead<T extends { id: number }>(current: T[], fresh: T[], freshIsAll: boolean, headSize: number): T[] {
  if (freshIsAll || current.length <= headSize) return fresh
  const seen = new Set(fresh.map((x) => x.id))
  const tail = current.slice(headSize).filter((x) => !seen.has(x.id))
  return [...fresh, ...tail]
}

/**
 * matchesQueue says whether a conversation (re-read after an inbox frame) still belongs in a
 * conversation queue, so a row far below the first page can be updated or dropped in place.
 * "My teams" is the server's to decide; here any team counts.
 */
export function matchesQueue(c: Conversation, q: Queue, f: Filters, me: number): boolean {
  const status = q === 'closed' ? 'closed' : f.status
  if (status && c.status !== status) return false
  switch (q) {
    case 'agent':
      return c.handled_by === 'agent'
    case 'mine':
      return c.assignee_id === me
    case 'team':
      return c.team_id != null
    case 'unassigned':
      return c.handled_by === 'agent' && c.assignee_id == null
    case 'bot':
      return c.handled_by === 'bot'
  }
  return q === 'closed'
}

/** patchRows replaces changed rows in place and drops those mapped to null (left the queue). */
export function patchRows<T extends { id: number }>(current: T[], changed: Map<number, T | null>): T[] {
  if (changed.size === 0) return current
  const out: T[] = []
  for (const x of current) {
    if (!changed.has(x.id)) out.push(x)
    else {
      const y = changed.get(x.id)
      if (y) out.push(y)
    }
  }
  return out
}

/**
 * keepAnchor is the scroll offset that keeps the row at the top of the agent's view where it
 * was after the list changed above it (new conversations arriving at the head). At the very
 * top nothing is kept: the agent sees the new arrivals. When the anchor row left the list, the
 * next surviving row below it is used.
 */
export function keepAnchor(prevIds: number[], nextIds: number[], scrollTop: number, rowHeight: number): number {
  if (scrollTop <= 0 || prevIds.length === 0) return scrollTop
  const idx = Math.floor(scrollTop / rowHeight)
  const within = scrollTop - idx * rowHeight
  const where = new Map(nextIds.map((id, i) => [id, i]))
  for (let i = idx; i < Math.min(prevIds.length, idx + 20); i++) {
    const j = where.get(prevIds[i])
    if (j !== undefined) return Math.max(0, (j - (i - idx)) * rowHeight + within)
  }
  return scrollTop
}

/** appendPage adds a further page, skipping rows already shown (offsets shift under live data). */
export function appendPage<T extends { id: number }>(current: T[], page: T[]): T[] {
  const seen = new Set(current.map((x) => x.id))
  return [...current, ...page.filter((x) => !seen.has(x.id))]
}

export interface Alert {
  kind: 'handoff' | 'activity'
  conv: Conversation
}

/**
 * alertsFor compares two snapshots of the people's queue (id → last activity) and says what
 * deserves a desktop notification: a conversation newly handed to people, or new activity in a
 * conversation that is the agent's or nobody's. The conversation on screen is left to the live
 * connection, and nothing is announced on the very first snapshot.
 */
export function alertsFor(prev: Map<number, string> | null, fresh: Conversation[], me: number, openId?: number, customerActivity?: Set<number>): Alert[] {
  if (!prev) return []
  const out: Alert[] = []
  for (const c of fresh) {
    if (c.id === openId || c.handled_by !== 'agent' || c.status === 'closed') continue
    if (c.assignee_id != null && c.assignee_id !== me) continue
    const at = c.last_message_at ?? c.created_at
    const before = prev.get(c.id)
    if (before === undefined) out.push({ kind: 'handoff', conv: c })
    // With the inbox feed we know who wrote: only a customer's message is worth a notification
    // (not a colleague's reply or a system note).
    else if (at > before && (!customerActivity || customerActivity.has(c.id))) out.push({ kind: 'activity', conv: c })
  }
  return out
}

export function snapshot(items: Conversation[]): Map<number, string> {
  return new Map(items.map((c) => [c.id, c.last_message_at ?? c.created_at]))
}

/** duration formats milliseconds as "2h 05m", "5m 09s" or "42s" (the sign is the caller's). */
export function duration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${pad(m)}m`
  if (m > 0) return `${m}m ${pad(s % 60)}s`
  return `${s % 60}s`
}

/** clock describes one SLA deadline now: time left (negative when overdue), or paused/met. */
export function clock(due: string | null, state: string | undefined, pausedAt: string | null, now: number): { ms: number; state: string } | null {
  if (!due) return null
  const st = state || 'running'
  if (st === 'met' || st === 'missed') return { ms: 0, state: st }
  const end = Date.parse(due)
  if (isNaN(end)) return null
  // While paused the deadline does not move closer: show the time left when the pause began.
  const at = pausedAt || st === 'paused' ? Math.min(now, Date.parse(pausedAt ?? '') || now) : now
  const ms = end - at
  return { ms, state: ms < 0 && st !== 'paused' ? 'breached' : st }
}

/**
 * expandMacro fills {variables} a macro body uses from what the workspace knows; unknown or
 * empty ones stay visible ({order.number}) and are listed, so the agent fills them before
 * sending. "{{" is a literal brace, as on the server.
 */
export function expandMacro(body: string, vars: Record<string, string | undefined>): { text: string; missing: string[] } {
  const missing: string[] = []
  const text = body.replace(/\{\{|\{([a-z]+\.[a-z]+)\}/g, (m, name?: string) => {
    if (m === '{{') return '{'
    const v = name ? vars[name] : undefined
    if (v) return v
    if (name && !missing.includes(name)) missing.push(name)
    return m
  })
  return { text, missing }
}

/** yuan ↔ fen for the refund amount field. */
export function toCents(yuan: string): number | null {
  const s = yuan.trim()
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null
  const [i, f = ''] = s.split('.')
  return Number(i) * 100 + Number((f + '00').slice(0, 2))
}
