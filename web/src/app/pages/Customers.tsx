import { useEffect, useRef, useState } from 'preact/hooks'
import { money, dateTime, initials } from '../../shared/format'
import { api, query, type Customer, type Order, type Page } from '../api'
import { navigate } from '../router'
import { useApp } from '../state'
import { A, ErrorBox, Field, Loading, StatusBadge, TierBadge, useAsync, VirtualList } from '../ui'
import { OrderDetail } from './Orders'

const TIERS = ['regular', 'silver', 'gold', 'vip']
const PAGE = 100

/** usePaged loads a list page by page (for the virtual lists); a change of deps starts over. */
export function usePaged<T>(path: string, params: Record<string, string | number | undefined>, deps: unknown[]) {
  const [state, setState] = useState({ items: [] as T[], more: true, busy: false, error: null as unknown })
  const gen = useRef(0)
  const busy = useRef(false)
  const load = async (offset: number) => {
    const g = gen.current
    busy.current = true
    setState((s) => ({ ...s, busy: true }))
    try {
      const page = await api<Page<T>>('GET', path + query({ ...params, limit: PAGE, offset }))
      if (g !== gen.current) return
      setState((s) => ({ items: offset === 0 ? page.items : [...s.items, ...page.items], more: !!page.has_more, busy: false, error: null }))
    } catch (e) {
      if (g === gen.current) setState((s) => ({ ...s, busy: false, error: e }))
    } finally {
      if (g === gen.current) busy.current = false
    }
  }
  useEffect(() => {
    gen.current++
    setState({ items: [], more: true, busy: false, error: null })
    load(0)
  }, deps)
  return {
    ...state,
    loadMore: () => {
      if (!busy.current && state.more && !state.error) load(state.items.length)
    },
    reload: () => {
      gen.current++
      load(0)
    },
  }
}

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
        {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
        <p class="muted small">{t(list.more ? 'countMore' : 'count', { n: list.items.length })}</p>
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

export function Customer360({ id }: { id: number }) {
  const { t, lang, can } = useApp()
  const c = useAsync(() => api<Customer>('GET', `/api/v1/customers/${id}`), [id])
  const orders = useAsync(() => api<Page<Order>>('GET', '/api/v1/orders' + query({ customer_id: id, limit: 20, sort: '-placed_at' })), [id])
  const [contact, setContact] = useState<{ phone?: string; email?: string } | null>(null)
  const [openOrder, setOpenOrder] = useState<number | null>(null)
  const [revealError, setRevealError] = useState<unknown>(null)
  useEffect(() => {
    setContact(null)
    setOpenOrder(null)
  }, [id])

  if (c.error) return <ErrorBox error={c.error} onRetry={c.reload} />
  if (!c.data) return <Loading />
  const cu = c.data
  const spent = (orders.data?.items ?? []).filter((o) => o.status !== 'cancelled').reduce((s, o) => s + o.total_cents - o.refunded_cents, 0)

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
            <button
              type="button"
              class="link"
              onClick={() =>
                api<{ phone?: string; email?: string }>('POST', `/api/v1/customers/${id}/reveal`).then(setContact, setRevealError)
              }
            >
              {t('c360.reveal')}
            </button>
          )}
        </dd>
        <dt>{t('c360.tags')}</dt>
        <dd>{(cu.tags ?? []).length ? (cu.tags ?? []).map((x) => <span class="tag" key={x}>{x}</span>) : '—'}</dd>
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
        <dd>{orders.data ? money(spent, lang) : '…'}</dd>
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
        {orders.data && orders.data.items.length === 0 && <p class="muted">{t('c360.noOrders')}</p>}
        <ul class="plain orders-mini">
          {(orders.data?.items ?? []).map((o) => (
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
    </article>
  )
}
