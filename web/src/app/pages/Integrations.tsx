import { Fragment } from 'preact'
import { useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, type Page } from '../api'
import { useApp } from '../state'
import { ErrorBox, Field, Loading, useAsync } from '../ui'

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
  const { t } = useApp()
  const [name, setName] = useState('')
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const submit = async (e: Event) => {
    e.preventDefault()
    setError(null)
    try {
      const res = await api<{ name: string; token: string }>('POST', '/api/v1/api-tokens', { name })
      setIssued(res)
      setName('')
    } catch (err) {
      setError(err)
    }
  }
  return (
    <form class="panel-form" onSubmit={submit} aria-labelledby="tokens-title">
      <h2 id="tokens-title">{t('int.tokens')}</h2>
      <p class="muted">{t('int.tokensIntro')}</p>
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
