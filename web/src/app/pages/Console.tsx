import { useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, ApiError, type Page, type User } from '../api'
import { useApp } from '../state'
import { ErrorBox, Field, Loading, useAsync } from '../ui'

const ROLES = ['agent', 'supervisor', 'admin'] as const

export function Users() {
  const { t, lang, can } = useApp()
  const users = useAsync(() => api<Page<User>>('GET', '/api/v1/users'), [])
  const [form, setForm] = useState({ email: '', name: '', password: '', role: 'agent', lang: lang === 'zh-CN' ? 'zh' : 'en' })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [done, setDone] = useState('')
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value })

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setDone('')
    try {
      const u = await api<User>('POST', '/api/v1/users', form)
      setDone(t('users.created', { email: u.email }))
      setForm({ ...form, email: '', name: '', password: '' })
      users.reload()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const fieldError = (f: string) => (error instanceof ApiError && error.field === f ? error.message : undefined)

  return (
    <section class="full-pane" aria-labelledby="users-title" data-testid="users">
      <h1 id="users-title">{t('users.title')}</h1>
      {users.error != null && <ErrorBox error={users.error} onRetry={users.reload} />}
      {users.loading && !users.data && <Loading />}
      {users.data && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t('users.name')}</th>
              <th scope="col">{t('users.email')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('users.lang')}</th>
              <th scope="col">{t('users.status')}</th>
              <th scope="col">{t('users.lastLogin')}</th>
            </tr>
          </thead>
          <tbody>
            {users.data.items.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{t(('role.' + u.role) as 'role.admin')}</td>
                <td>{u.lang}</td>
                <td>{u.disabled ? t('users.disabled') : t('users.active')}</td>
                <td>{dateTime(u.last_login_at, lang) || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can('users:write') && (
        <form class="panel-form" onSubmit={submit} aria-labelledby="new-user-title">
          <h2 id="new-user-title">{t('users.new')}</h2>
          <div class="form-grid">
            <Field label={t('users.email')} error={fieldError('email')}>
              <input type="email" required value={form.email} onInput={set('email')} name="new-email" />
            </Field>
            <Field label={t('users.name')} error={fieldError('name')}>
              <input required value={form.name} onInput={set('name')} name="new-name" />
            </Field>
            <Field label={t('users.password')} error={fieldError('password')}>
              <input type="password" required autoComplete="new-password" value={form.password} onInput={set('password')} name="new-password" />
            </Field>
            <Field label={t('users.role')} error={fieldError('role')}>
              <select value={form.role} onChange={set('role')} name="new-role">
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(('role.' + r) as 'role.admin')}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('users.lang')} error={fieldError('lang')}>
              <select value={form.lang} onChange={set('lang')}>
                <option value="zh">中文</option>
                <option value="en">English</option>
              </select>
            </Field>
          </div>
          {error != null && !(error instanceof ApiError && error.field) && <ErrorBox error={error} />}
          {done && (
            <p class="ok" role="status">
              {done}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy}>
            {t('create')}
          </button>
        </form>
      )}
    </section>
  )
}

/** snippet builds the one-line embed tag for the settings a shop chose. */
export function snippet(origin: string, s: { color: string; titleZh: string; titleEn: string; greetingZh: string; greetingEn: string; position: string }): string {
  const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
  const attrs = [`src="${esc(origin)}/widget.js"`, 'async', `data-color="${esc(s.color)}"`]
  if (s.titleZh) attrs.push(`data-title-zh="${esc(s.titleZh)}"`)
  if (s.titleEn) attrs.push(`data-title-en="${esc(s.titleEn)}"`)
  if (s.greetingZh) attrs.push(`data-greeting-zh="${esc(s.greetingZh)}"`)
  if (s.greetingEn) attrs.push(`data-greeting-en="${esc(s.greetingEn)}"`)
  if (s.position === 'left') attrs.push('data-position="left"')
  return `<script ${attrs.join(' ')}></script>`
}

export function WidgetSettings() {
  const { t, can } = useApp()
  const [secret, setSecret] = useState('')
  const [secretError, setSecretError] = useState<unknown>(null)
  const [s, setS] = useState({ color: '#1f6feb', titleZh: '', titleEn: '', greetingZh: '', greetingEn: '', position: 'right' })
  const [copied, setCopied] = useState(false)
  const set = (k: keyof typeof s) => (e: Event) => setS({ ...s, [k]: (e.target as HTMLInputElement).value })
  const code = snippet(location.origin, s)
  return (
    <section class="full-pane" aria-labelledby="widget-title" data-testid="widget-settings">
      <h1 id="widget-title">{t('widget.title')}</h1>
      <p>{t('widget.intro')}</p>
      <div class="form-grid">
        <Field label={t('widget.color')}>
          <input type="color" value={s.color} onInput={set('color')} />
        </Field>
        <Field label={t('widget.position')}>
          <select value={s.position} onChange={set('position')}>
            <option value="right">{t('widget.right')}</option>
            <option value="left">{t('widget.left')}</option>
          </select>
        </Field>
        <Field label={t('widget.titleZh')}>
          <input value={s.titleZh} maxLength={40} onInput={set('titleZh')} />
        </Field>
        <Field label={t('widget.titleEn')}>
          <input value={s.titleEn} maxLength={40} onInput={set('titleEn')} />
        </Field>
        <Field label={t('widget.greetingZh')}>
          <input value={s.greetingZh} maxLength={300} onInput={set('greetingZh')} />
        </Field>
        <Field label={t('widget.greetingEn')}>
          <input value={s.greetingEn} maxLength={300} onInput={set('greetingEn')} />
        </Field>
      </div>
      <h2>{t('widget.snippet')}</h2>
      <pre class="code" data-testid="embed-snippet">
        <code>{code}</code>
      </pre>
      <p>
        <button
          type="button"
          class="ghost"
          onClick={() =>
            navigator.clipboard?.writeText(code).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? t('copied') : t('copy')}
        </button>{' '}
        <a href="/demo" target="_blank" rel="noopener">
          {t('widget.demo')}
        </a>
      </p>
      <h2>{t('widget.identity')}</h2>
      <p>{t('widget.identityIntro')}</p>
      <pre class="code">
        <code>{'<script src="' + location.origin + '/widget.js" async data-customer-id="c-1001" data-signature="…64 hex…"></script>'}</code>
      </pre>
      {can('settings:write') &&
        (secret ? (
          <pre class="code" data-testid="identity-secret">
            <code>{secret}</code>
          </pre>
        ) : (
          <button type="button" class="ghost" onClick={() => api<{ secret: string }>('GET', '/api/v1/widget/identity-secret').then((r) => setSecret(r.secret), setSecretError)}>
            {t('widget.showSecret')}
          </button>
        ))}
      {secretError != null && <ErrorBox error={secretError} />}
    </section>
  )
}
