import { useState } from 'preact/hooks'
import { dateTime, money } from '../../shared/format'
import { api, type Order } from '../api'
import { useApp } from '../state'
import { A, ErrorBox, Field, Loading, StatusBadge, useAsync, VirtualList } from '../ui'
import { PagedStatus, usePaged } from '../paged'

const STATUSES = ['pending_payment', 'paid', 'shipped', 'delivered', 'completed', 'cancelled']

export function Orders({ id }: { id?: number }) {
  const { t, lang } = useApp()
  const [number, setNumber] = useState('')
  const [status, setStatus] = useState('')
  const [applied, setApplied] = useState({ number: '', status: '' })
  const list = usePaged<Order>('/api/v1/orders', { ...applied, sort: '-placed_at' }, [applied.number, applied.status])
  return (
    <div class="split">
      <section class="list-pane" aria-labelledby="orders-title">
        <h1 id="orders-title">{t('orders.title')}</h1>
        <form
          class="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault()
            setApplied({ number: number.trim(), status })
          }}
        >
          <Field label={t('orders.number')}>
            <input value={number} onInput={(e) => setNumber((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('orders.status')}>
            <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
              <option value="">{t('all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(('status.' + s) as 'status.paid')}
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
          label={t('orders.title')}
          onEnd={list.loadMore}
          height="calc(100vh - 260px)"
          render={(o) => (
            <A href={`/orders/${o.id}`} class={`row-link ${o.id === id ? 'selected' : ''}`} current={o.id === id}>
              <span class="row-main">
                <strong class="mono">{o.number}</strong>
                <small class="muted">{dateTime(o.placed_at, lang)}</small>
              </span>
              <span>{money(o.total_cents, lang, o.currency)}</span>
              <StatusBadge status={o.status} />
            </A>
          )}
        />
        {list.busy && <Loading />}
      </section>
      <section class="detail-pane" aria-label={t('orders.title')}>
        {id ? <OrderDetail id={id} /> : <p class="muted">{t('orders.pick')}</p>}
      </section>
    </div>
  )
}

export function OrderDetail({ id, compact }: { id: number; compact?: boolean }) {
  const { t, lang } = useApp()
  const o = useAsync(() => api<Order>('GET', `/api/v1/orders/${id}`), [id])
  if (o.error) return <ErrorBox error={o.error} onRetry={o.reload} />
  if (!o.data) return <Loading />
  const d = o.data
  return (
    <article class={`order-detail ${compact ? 'compact' : ''}`} data-testid="order-detail">
      {!compact && (
        <header>
          <h2 class="mono">{d.number}</h2>
          <StatusBadge status={d.status} />
          <A href={`/customers/${d.customer_id}`}>{t('orders.customer')} #{d.customer_id}</A>
        </header>
      )}
      <table class="table">
        <caption class="sr-only">{t('orders.items')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('orders.items')}</th>
            <th scope="col">SKU</th>
            <th scope="col" class="num">
              ×
            </th>
            <th scope="col" class="num">
              {t('orders.total')}
            </th>
          </tr>
        </thead>
        <tbody>
          {(d.items ?? []).map((i) => (
            <tr key={i.id}>
              <td>{i.title}</td>
              <td class="mono small">{i.sku}</td>
              <td class="num">{i.qty}</td>
              <td class="num">{money(i.total_cents, lang, d.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              {t('orders.total')}
            </th>
            <td class="num">
              <strong>{money(d.total_cents, lang, d.currency)}</strong>
              {d.refunded_cents > 0 && (
                <div class="small muted">
                  {t('orders.refunded')} {money(d.refunded_cents, lang, d.currency)}
                </div>
              )}
            </td>
          </tr>
        </tfoot>
      </table>
      <p class="small">
        <strong>{t('orders.shipTo')}:</strong> {d.ship_to.recipient} {d.ship_to.phone} · {d.ship_to.province}
        {d.ship_to.city}
        {d.ship_to.district} {d.ship_to.line}
      </p>
      <p class="small">
        <strong>{t('orders.payment')}:</strong> {d.payment_method} · {d.payment_status} · {t('orders.placed')} {dateTime(d.placed_at, lang)}
      </p>
      {(d.shipments ?? []).length > 0 && (
        <section>
          <h3>{t('orders.shipments')}</h3>
          {(d.shipments ?? []).map((s) => (
            <div class="shipment" key={s.id}>
              <p>
                <strong>{s.carrier_name || s.carrier}</strong> · {t('orders.tracking')} <span class="mono" data-testid="tracking-number">{s.tracking_number}</span> ·{' '}
                <span class="badge">{s.status}</span>
              </p>
              <ol class="timeline">
                {[...(s.events ?? [])].reverse().map((e, i) => (
                  <li key={i}>
                    <time>{dateTime(e.at, lang)}</time> {e.location} — {lang === 'zh-CN' ? e.description_zh : e.description_en}
                  </li>
                ))}
              </ol>
            </div>
          ))}
        </section>
      )}
    </article>
  )
}
