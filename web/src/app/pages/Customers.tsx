import { useEffect, useState } from 'preact/hooks'
import { money, dateTime, initials } from '../../shared/format'
import { api, query, type Customer, type Order, type Page } from '../api'
import { navigate } from '../router'
import { useApp } from '../state'
import { A, ErrorBox, Field, Loading, StatusBadge, TierBadge, useAsync, VirtualList } from '../ui'
import { PagedStatus, usePaged } from '../paged'
import { OrderDetail } from './Orders'

const TIERS = ['regular', 'silver', 'gold', 'vip']

export function Customers({ id }: { id?: number }) {
  const { t } = useApp()
  const [name, setName] = useState('')
  const [phone, setPhone] = useState('')
  const [email, setEmail] = useState('')
  const [tier, setTier] = useState('')
  const [applied, setApplied] = useState({ name: '', phone: '', email: '', tier: '' })
  const list = usePaged<Customer>('/api/v1/customers', { ...applied, sort: '-last_seen_at' }, [applied.name, applied.phone, applied.email, applied.tier])

  return (
    <div class="split">
      <section class="list-pane" aria-labelledby="customers-title">
        <h1 id="customers-title">{t('customers.title')}</h1>
        <form
          class="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault()
            setApplied({ name, phone, email, tier })
          }}
        >
          <Field label={t('customers.name')}>
            <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} data-testid="customer-name-filter" />
          </Field>
          <Field label={t('customers.phone')}>
            <input value={phone} inputMode="tel" onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('customers.email')}>
            <input value={email} type="email" onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('customers.tier')}>
            <select value={tier} onChange={(e) => setTier((e.target as HTMLSelectElement).value)}>
              <option value="">{t('all')}</option>
              {TIERS.map((x) => (
                <option key={x} value={x}>
                  {t(('tier.' + x) as 'tier.vip')}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" class="primary">
            {t('search')}
          </button>
        </form>
        <PagedStatus list={list} />
        <VirtualList
          items={list.items}
          rowHeight={56}
          label={t('customers.title')}
          onEnd={list.loadMore}
          height="calc(100vh - 300px)"
          render={(c) => (
            <A href={`/customers/${c.id}`} class={`row-link ${c.id === id ? 'selected' : ''}`} current={c.id === id}>
              <span class="avatar" aria-hidden="true">
                {initials(c.name)}
              </span>
              <span class="row-main">
                <strong>{c.name || '—'}</strong>
                <small class="muted">
                  {c.phone} {c.email}
                </small>
              </span>
              <TierBadge tier={c.tier} />
            </A>
          )}
        />
        {list.busy && <Loading />}
      </section>
      <section class="detail-pane" aria-label={t('c360.title')}>
        {id ? <Customer360 id={id} /> : <p class="muted">{t('customers.pick')}</p>}
      </section>
    </div>
  )
}

interface View360 {
  customer: Customer
  orders: Order[]
  order_stats: { count: number; spent_cents: number; refunded_cents: number }
  conversations: { id: number; status: string; handled_by: string; subject: string; created_at: string; last_message_at: string | null }[]
  tickets: { id: number; subject: string; category: string; priority: string; status: string; created_at: string }[]
  aftersales_cases: { id: number; type: string; status: string; order_id: number | null; refunded_cents: number; created_at: string }[]
  csat: { ticket_id: number | null; score: number; comment: string; created_at: string }[]
  sentiment_trend: { day: string; score: number; messages: number }[]
  recent_behaviour: { kind: string; product_id: number | null; query?: string; at: string }[]
}

/**
 * Customer360 shows who the customer is and everything they did with the shop. It uses
 * GET /customers/{id}/360 when the server has it, else the customer and their orders.
 */
export function Customer360({ id }: { id: number }) {
  const { t, lang, can, has } = useApp()
  const full = has('/api/v1/customers/{id}/360')
  const v = useAsync(async (): Promise<View360 | null> => (full ? api<View360>('GET', `/api/v1/customers/${id}/360`) : null), [id, full])
  const c = useAsync(() => (full ? Promise.resolve(null) : api<Customer>('GET', `/api/v1/customers/${id}`)), [id, full])
  const orders = useAsync(() => (full ? Promise.resolve(null) : api<Page<Order>>('GET', '/api/v1/orders' + query({ customer_id: id, limit: 20, sort: '-placed_at' }))), [id, full])
  const [contact, setContact] = useState<{ phone?: string; email?: string } | null>(null)
  const [openOrder, setOpenOrder] = useState<number | null>(null)
  const [revealError, setRevealError] = useState<unknown>(null)
  useEffect(() => {
    setContact(null)
    setOpenOrder(null)
  }, [id])

  const err = v.error ?? c.error
  if (err) return <ErrorBox error={err} onRetry={() => (full ? v.reload() : c.reload())} />
  const cu = full ? v.data?.customer : c.data
  if (!cu) return <Loading />
  const orderList = full ? v.data?.orders ?? [] : orders.data?.items ?? []
  const spent = full
    ? (v.data?.order_stats.spent_cents ?? 0) - (v.data?.order_stats.refunded_cents ?? 0)
    : orderList.filter((o) => o.status !== 'cancelled').reduce((s, o) => s + o.total_cents - o.refunded_cents, 0)
  const csat = v.data?.csat ?? []
  const trend = v.data?.sentiment_trend ?? []

  return (
    <article class="c360" data-testid="customer-360">
      <header class="c360-head">
        <span class="avatar big" aria-hidden="true">
          {initials(cu.name)}
        </span>
        <div>
          <h2>{cu.name || '—'}</h2>
          <p>
            <TierBadge tier={cu.tier} /> {cu.external_id && <span class="muted small">#{cu.external_id}</span>}
          </p>
        </div>
        <button type="button" class="ghost close-detail" onClick={() => navigate('/customers')} aria-label={t('close')}>
          ×
        </button>
      </header>
      <dl class="facts">
        <dt>{t('c360.contact')}</dt>
        <dd>
          {contact ? `${contact.phone ?? ''} ${contact.email ?? ''}` : `${cu.phone} ${cu.email}`}
          {!contact && can('customers:write') && (
            <button type="button" class="link" onClick={() => api<{ phone?: string; email?: string }>('POST', `/api/v1/customers/${id}/reveal`).then(setContact, setRevealError)}>
              {t('c360.reveal')}
            </button>
          )}
        </dd>
        <dt>{t('c360.tags')}</dt>
        <dd>
          {(cu.tags ?? []).length
            ? (cu.tags ?? []).map((x) => (
                <span class="tag" key={x}>
                  {x}
                </span>
              ))
            : '—'}
        </dd>
        <dt>{t('c360.lang')}</dt>
        <dd>{cu.lang}</dd>
        <dt>{t('c360.since')}</dt>
        <dd>{dateTime(cu.created_at, lang)}</dd>
        <dt>{t('c360.lastSeen')}</dt>
        <dd>{dateTime(cu.last_seen_at, lang) || '—'}</dd>
        <dt>{t('c360.consent')}</dt>
        <dd>
          {t('c360.marketing')} {cu.consent_marketing ? '✓' : '✗'} · {t('c360.profiling')} {cu.consent_profiling ? '✓' : '✗'}
        </dd>
        <dt>{t('c360.lifetime')}</dt>
        <dd>
          {money(spent, lang)}
          {full && v.data && <span class="muted small"> · {t('c360.orderCount', { n: v.data.order_stats.count })}</span>}
        </dd>
        {full && (
          <>
            <dt>{t('c360.csat')}</dt>
            <dd>{csat.length ? t('c360.csatAvg', { avg: (csat.reduce((s, x) => s + x.score, 0) / csat.length).toFixed(1), n: csat.length }) : '—'}</dd>
            <dt>{t('c360.sentiment')}</dt>
            <dd class="sentiment">
              {trend.length
                ? trend.slice(-7).map((p) => (
                    <span key={p.day} class={`senti ${p.score < -0.2 ? 'neg' : p.score > 0.2 ? 'pos' : 'neu'}`} title={`${p.day}: ${p.score.toFixed(2)} (${p.messages})`}>
                      {p.score < -0.2 ? '☹' : p.score > 0.2 ? '☺' : '·'}
                    </span>
                  ))
                : '—'}
            </dd>
          </>
        )}
      </dl>
      {revealError != null && <ErrorBox error={revealError} />}
      {(cu.addresses ?? []).length > 0 && (
        <section>
          <h3>{t('c360.addresses')}</h3>
          <ul class="plain">
            {(cu.addresses ?? []).map((a) => (
              <li key={a.id}>
                {a.recipient} {a.phone} · {a.province}
                {a.city}
                {a.district} {a.line} {a.is_default && <span class="tag">{t('c360.default')}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section>
        <h3>{t('c360.orders')}</h3>
        {orders.error != null && <ErrorBox error={orders.error} onRetry={orders.reload} />}
        {(full ? !!v.data : !!orders.data) && orderList.length === 0 && <p class="muted">{t('c360.noOrders')}</p>}
        <ul class="plain orders-mini">
          {orderList.map((o) => (
            <li key={o.id}>
              <button type="button" class="order-line" aria-expanded={openOrder === o.id} onClick={() => setOpenOrder(openOrder === o.id ? null : o.id)}>
                <span class="mono">{o.number}</span>
                <StatusBadge status={o.status} />
                <span>{money(o.total_cents, lang, o.currency)}</span>
                <span class="muted small">{dateTime(o.placed_at, lang)}</span>
              </button>
              {openOrder === o.id && <OrderDetail id={o.id} compact />}
            </li>
          ))}
        </ul>
      </section>
      {full && v.data && (
        <>
          <section>
            <h3>{t('c360.conversations')}</h3>
            {v.data.conversations.length === 0 && <p class="muted">{t('c360.none')}</p>}
            <ul class="plain">
              {v.data.conversations.map((x) => (
                <li key={x.id}>
                  <A href={`/inbox/${x.id}`}>{x.subject || t('conv.title', { id: x.id })}</A>{' '}
                  <span class="badge">{t(('conv.status.' + x.status) as 'conv.status.open')}</span>{' '}
                  <span class="muted small">{dateTime(x.last_message_at ?? x.created_at, lang)}</span>
                </li>
              ))}
            </ul>
          </section>
          <section>
            <h3>{t('c360.tickets')}</h3>
            {v.data.tickets.length === 0 && <p class="muted">{t('c360.none')}</p>}
            <ul class="plain">
              {v.data.tickets.map((x) => (
                <li key={x.id}>
                  #{x.id} {x.subject} <span class="badge">{x.status}</span> <span class="muted small">{x.priority}</span>
                </li>
              ))}
            </ul>
          </section>
          <section>
            <h3>{t('c360.cases')}</h3>
            {v.data.aftersales_cases.length === 0 && <p class="muted">{t('c360.none')}</p>}
            <ul class="plain">
              {v.data.aftersales_cases.map((x) => (
                <li key={x.id}>
                  #{x.id} {x.type} <span class="badge">{x.status}</span> {x.refunded_cents > 0 && money(x.refunded_cents, lang)}
                </li>
              ))}
            </ul>
          </section>
          {v.data.recent_behaviour.length > 0 && (
            <section>
              <h3>{t('c360.behaviour')}</h3>
              <ul class="plain small">
                {v.data.recent_behaviour.slice(0, 8).map((b, i) => (
                  <li key={i}>
                    {b.kind} {b.query ? `“${b.query}”` : b.product_id ? `#${b.product_id}` : ''} <span class="muted">{dateTime(b.at, lang)}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </article>
  )
}
