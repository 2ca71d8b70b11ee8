import { Fragment } from 'preact'
import { useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, type Page } from '../api'
import { useApp } from '../state'
import { ErrorBox, Field, Loading, useAsync } from '../ui'
import { useCT } from '../console/messages'

interface APIToken {
  id: number
  name: string
  prefix: string
  user_id: number
  user_name: string
  created_at: string
  last_used_at?: string | null
  revoked_at?: string | null
}

interface Webhook {
  id: number
  url: string
  events: string[]
  active: boolean
  description: string
  created_at: string
  secret?: string
}

interface Delivery {
  id: number
  event: string
  status: string
  attempts: number
  last_status_code: number
  last_error: string
  created_at: string
  delivered_at: string | null
}

const EVENTS = ['ticket.created', 'ticket.updated', 'ticket.note', 'aftersales.created', 'aftersales.updated']

export function Integrations() {
  const { t } = useApp()
  return (
    <section class="full-pane" aria-labelledby="int-title" data-testid="integrations">
      <h1 id="int-title">{t('int.title')}</h1>
      <Tokens />
      <Webhooks />
      <p class="muted small">
        <a href="/api/v1/openapi.json">OpenAPI</a>
      </p>
    </section>
  )
}

function Tokens() {
  const { t, lang } = useApp()
  const ct = useCT()
  const tokens = useAsync(() => api<Page<APIToken>>('GET', '/api/v1/api-tokens'), [])
  const [name, setName] = useState('')
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [confirming, setConfirming] = useState<number | null>(null)
  const [revoked, setRevoked] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setError(null)
    setRevoked(false)
    try {
      const res = await api<{ name: string; token: string }>('POST', '/api/v1/api-tokens', { name })
      setIssued(res)
      setName('')
      tokens.reload()
    } catch (err) {
      setError(err)
    }
  }
  const revoke = async (id: number) => {
    setError(null)
    try {
      await api('DELETE', `/api/v1/api-tokens/${id}`)
      setConfirming(null)
      setRevoked(true)
      setIssued(null)
      tokens.reload()
    } catch (err) {
      setError(err)
    }
  }
  return (
    <form class="panel-form" onSubmit={submit} aria-labelledby="tokens-title">
      <h2 id="tokens-title">{t('int.tokens')}</h2>
      <p class="muted">{t('int.tokensIntro')}</p>
      <h3>{ct('tokens.list')}</h3>
      {tokens.error != null && <ErrorBox error={tokens.error} onRetry={tokens.reload} />}
      {tokens.loading && !tokens.data && <Loading />}
      {tokens.data && tokens.data.items.length === 0 && <p class="muted">{ct('tokens.none')}</p>}
      {tokens.data && tokens.data.items.length > 0 && (
        <table class="table" data-testid="token-table">
          <thead>
            <tr>
              <th scope="col">{ct('tokens.name')}</th>
              <th scope="col">{ct('tokens.prefix')}</th>
              <th scope="col">{ct('tokens.owner')}</th>
              <th scope="col">{ct('tokens.created')}</th>
              <th scope="col">{ct('tokens.lastUsed')}</th>
              <th scope="col">{ct('tokens.status')}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((tk) => (
              <tr key={tk.id} data-token={tk.id}>
                <td>{tk.name}</td>
                <td class="mono small">{(tk.prefix || 'kft_') + '…'}</td>
                <td>{tk.user_name}</td>
                <td class="small">{dateTime(tk.created_at, lang)}</td>
                <td class="small">{tk.last_used_at ? dateTime(tk.last_used_at, lang) : ct('tokens.never')}</td>
                <td data-field="status">{tk.revoked_at ? ct('tokens.revoked', { date: dateTime(tk.revoked_at, lang) }) : ct('tokens.active')}</td>
                <td>
                  {!tk.revoked_at &&
                    (confirming === tk.id ? (
                      <span role="group" aria-label={ct('tokens.revoke')}>
                        <span class="small">{ct('tokens.confirmRevoke', { name: tk.name })}</span>{' '}
                        <button type="button" class="danger" data-testid="token-revoke-confirm" onClick={() => revoke(tk.id)}>
                          {ct('confirm')}
                        </button>{' '}
                        <button type="button" class="ghost" onClick={() => setConfirming(null)}>
                          {ct('cancel')}
                        </button>
                      </span>
                    ) : (
                      <button type="button" class="link" data-testid="token-revoke" onClick={() => setConfirming(tk.id)}>
                        {ct('tokens.revoke')}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoked && (
        <p class="ok" role="status">
          {ct('tokens.revokedOk')}
        </p>
      )}
      <div class="form-grid">
        <Field label={t('int.tokenName')}>
          <input required maxLength={100} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} name="token-name" />
        </Field>
      </div>
      {error != null && <ErrorBox error={error} />}
      {issued && (
        <div class="ok" role="status">
          {t('int.tokenShown', { name: issued.name })}
          <pre class="code" data-testid="issued-token">
            <code>{issued.token}</code>
          </pre>
        </div>
      )}
      <button type="submit" class="primary">
        {t('int.issue')}
      </button>
    </form>
  )
}

function Webhooks() {
  const { t, lang } = useApp()
  const hooks = useAsync(() => api<Page<Webhook>>('GET', '/api/v1/webhooks'), [])
  const [url, setUrl] = useState('')
  const [description, setDescription] = useState('')
  const [events, setEvents] = useState<string[]>([])
  const [secret, setSecret] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [open, setOpen] = useState<number | null>(null)

  const submit = async (e: Event) => {
    e.preventDefault()
    setError(null)
    try {
      const res = await api<Webhook>('POST', '/api/v1/webhooks', { url, description, events })
      setSecret(res.secret ?? '')
      setUrl('')
      setDescription('')
      hooks.reload()
    } catch (err) {
      setError(err)
    }
  }
  const remove = async (id: number) => {
    try {
      await api('DELETE', `/api/v1/webhooks/${id}`)
      hooks.reload()
    } catch (err) {
      setError(err)
    }
  }
  const toggle = (ev: string) => setEvents(events.includes(ev) ? events.filter((x) => x !== ev) : [...events, ev])

  return (
    <div class="panel-form" aria-labelledby="hooks-title">
      <h2 id="hooks-title">{t('int.webhooks')}</h2>
      <p class="muted">{t('int.webhooksIntro')}</p>
      {hooks.error != null && <ErrorBox error={hooks.error} onRetry={hooks.reload} />}
      {hooks.loading && !hooks.data && <Loading />}
      {hooks.data && hooks.data.items.length === 0 && <p class="muted">{t('int.noWebhooks')}</p>}
      {hooks.data && hooks.data.items.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t('int.url')}</th>
              <th scope="col">{t('int.events')}</th>
              <th scope="col">{t('int.description')}</th>
              <th scope="col">{t('int.status')}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {hooks.data.items.map((h) => (
              <Fragment key={h.id}>
                <tr>
                  <td class="mono small">{h.url}</td>
                  <td class="small">{h.events.includes('*') ? t('int.allEvents') : h.events.join(', ')}</td>
                  <td>{h.description}</td>
                  <td>{h.active ? t('int.active') : '—'}</td>
                  <td>
                    <button type="button" class="link" onClick={() => setOpen(open === h.id ? null : h.id)} aria-expanded={open === h.id}>
                      {t('int.deliveries')}
                    </button>
                    <button type="button" class="link" onClick={() => remove(h.id)}>
                      {t('int.delete')}
                    </button>
                  </td>
                </tr>
                {open === h.id && (
                  <tr>
                    <td colSpan={5}>
                      <Deliveries id={h.id} lang={lang} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={submit} class="stack">
        <div class="form-grid">
          <Field label={t('int.url')}>
            <input type="url" required placeholder="https://shop.example.com/kefu-hook" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('int.description')}>
            <input maxLength={200} value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <fieldset class="events">
          <legend>{t('int.events')}</legend>
          {EVENTS.map((ev) => (
            <label class="check" key={ev}>
              <input type="checkbox" checked={events.includes(ev)} onChange={() => toggle(ev)} /> <span class="mono small">{ev}</span>
            </label>
          ))}
          <small class="muted">{events.length === 0 ? t('int.allEvents') : ''}</small>
        </fieldset>
        {error != null && <ErrorBox error={error} />}
        {secret && (
          <div class="ok" role="status">
            {t('int.secretShown')}
            <pre class="code">
              <code>{secret}</code>
            </pre>
          </div>
        )}
        <button type="submit" class="primary">
          {t('int.subscribe')}
        </button>
      </form>
    </div>
  )
}

function Deliveries({ id, lang }: { id: number; lang: 'zh-CN' | 'en' }) {
  const { t } = useApp()
  const ds = useAsync(() => api<Page<Delivery>>('GET', `/api/v1/webhooks/${id}/deliveries`), [id])
  if (ds.error) return <ErrorBox error={ds.error} onRetry={ds.reload} />
  if (!ds.data) return <Loading />
  if (ds.data.items.length === 0) return <p class="muted">{t('int.noDeliveries')}</p>
  return (
    <table class="table small">
      <thead>
        <tr>
          <th scope="col">{t('int.events')}</th>
          <th scope="col">{t('int.status')}</th>
          <th scope="col">{t('int.attempts')}</th>
          <th scope="col">HTTP</th>
          <th scope="col">{t('int.lastError')}</th>
          <th scope="col">{t('c360.since')}</th>
        </tr>
      </thead>
      <tbody>
        {ds.data.items.map((d) => (
          <tr key={d.id}>
            <td class="mono">{d.event}</td>
            <td>{d.status}</td>
            <td>{d.attempts}</td>
            <td>{d.last_status_code || '—'}</td>
            <td>{d.last_error || '—'}</td>
            <td>{dateTime(d.created_at, lang)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
