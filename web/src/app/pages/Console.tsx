import { Fragment } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, ApiError, type Page, type User } from '../api'
import { useApp } from '../state'
import { ErrorBox, Field, Loading, useAsync } from '../ui'
import { fieldError as apiFieldError, SaveStatus, useSave } from '../console/kit'
import { useCT } from '../console/messages'

const ROLES = ['agent', 'supervisor', 'admin'] as const

export function Users() {
  const { t, lang, can, me } = useApp()
  const ct = useCT()
  const [editing, setEditing] = useState<number | null>(null)
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
              {can('users:write') && <th scope="col">{ct('users.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {users.data.items.map((u) => (
              <Fragment key={u.id}>
                <tr data-user={u.id} class={editing === u.id ? 'selected' : ''}>
                  <td>
                    {u.name} {u.id === me?.user.id && <span class="muted small">{ct('users.you')}</span>}
                  </td>
                  <td>{u.email}</td>
                  <td data-field="role">{t(('role.' + u.role) as 'role.admin')}</td>
                  <td>{u.lang}</td>
                  <td data-field="state">{u.disabled ? t('users.disabled') : t('users.active')}</td>
                  <td>{dateTime(u.last_login_at, lang) || '—'}</td>
                  {can('users:write') && (
                    <td>
                      <button type="button" class="link" data-testid="user-edit" aria-expanded={editing === u.id} onClick={() => setEditing(editing === u.id ? null : u.id)}>
                        {ct('edit')}
                      </button>
                    </td>
                  )}
                </tr>
                {editing === u.id && (
                  <tr>
                    <td colSpan={7}>
                      <UserEditor user={u as User & { capacity: number }} self={u.id === me?.user.id} onSaved={users.reload} />
                    </td>
                  </tr>
                )}
              </Fragment>
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

/** UserEditor changes one user's name, role, language, capacity and enabled state (only the
 * fields that changed are sent), and resets their password. The server refuses to demote or
 * disable the last admin and to disable yourself; its message is shown as is. */
function UserEditor({ user, self, onSaved }: { user: User & { capacity: number }; self: boolean; onSaved: () => void }) {
  const { t } = useApp()
  const ct = useCT()
  const [f, setF] = useState({ name: user.name, role: user.role as string, lang: user.lang, capacity: String(user.capacity ?? 10) })
  const [password, setPassword] = useState('')
  const save = useSave()
  const pw = useSave()
  useEffect(() => setF({ name: user.name, role: user.role, lang: user.lang, capacity: String(user.capacity ?? 10) }), [user])
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value })
  const patch = async (body: Record<string, unknown>) => {
    const r = await save.run(() => api<User>('PATCH', `/api/v1/users/${user.id}`, body), ct('users.updated', { name: user.name }))
    if (r) onSaved()
  }
  const submit = (e: Event) => {
    e.preventDefault()
    const body: Record<string, unknown> = {}
    if (f.name !== user.name) body.name = f.name
    if (f.role !== user.role) body.role = f.role
    if (f.lang !== user.lang) body.lang = f.lang
    if (Number(f.capacity) !== user.capacity) body.capacity = Number(f.capacity)
    patch(body)
  }
  const reset = async (e: Event) => {
    e.preventDefault()
    const r = await pw.run(() => api('POST', `/api/v1/users/${user.id}/password`, { password }).then(() => true), ct('users.passwordReset'))
    if (r) setPassword('')
  }
  const err = (field: string) => apiFieldError(save.error, field)
  return (
    <div class="stack" data-testid="user-editor">
      <form class="panel-form" onSubmit={submit} aria-label={ct('users.editing', { name: user.name })}>
        <div class="form-grid">
          <Field label={t('users.name')} error={err('name')}>
            <input required maxLength={100} value={f.name} onInput={set('name')} name="edit-name" />
          </Field>
          <Field label={t('users.role')} error={err('role')}>
            <select value={f.role} onChange={set('role')} name="edit-role">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(('role.' + r) as 'role.admin')}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('users.lang')} error={err('lang')}>
            <select value={f.lang} onChange={set('lang')} name="edit-lang">
              <option value="zh">中文</option>
              <option value="en">English</option>
            </select>
          </Field>
          <Field label={ct('users.capacity')} error={err('capacity')}>
            <input type="number" min={0} max={500} value={f.capacity} onInput={set('capacity')} name="edit-capacity" />
          </Field>
        </div>
        <SaveStatus error={save.error} ok={save.ok} fields={['name', 'role', 'lang', 'capacity']} />
        <p>
          <button type="submit" class="primary" disabled={save.busy} data-testid="user-save">
            {save.busy ? ct('saving') : t('save')}
          </button>{' '}
          {!self && (
            <button type="button" class="ghost" disabled={save.busy} data-testid="user-toggle" onClick={() => patch({ disabled: !user.disabled })}>
              {user.disabled ? ct('users.enable') : ct('users.disable')}
            </button>
          )}
        </p>
        {!self && !user.disabled && <p class="muted small">{ct('users.disableHelp')}</p>}
      </form>
      <form class="panel-form" onSubmit={reset} aria-label={ct('users.resetPassword')}>
        <Field label={ct('users.newPassword')} error={apiFieldError(pw.error, 'password')}>
          <input type="password" required minLength={8} autoComplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} name="reset-password" />
        </Field>
        <SaveStatus error={pw.error} ok={pw.ok} fields={['password']} />
        <button type="submit" class="ghost" disabled={pw.busy || password.length === 0} data-testid="user-reset-password">
          {ct('users.resetPassword')}
        </button>
      </form>
    </div>
  )
}

/** ServerWidgetSettings is the widget look stored on the server (GET /api/v1/widget/settings). */
interface ServerWidgetSettings {
  color: string
  title_zh: string
  title_en: string
  greeting_zh: string
  greeting_en: string
  logo_url: string
  quick_replies_zh: string[] | null
  quick_replies_en: string[] | null
  position: string
  updated_at?: string
}

/** serverBody turns the form into the PUT /api/v1/settings/widget body. */
export function serverBody(s: { color: string; titleZh: string; titleEn: string; greetingZh: string; greetingEn: string; position: string; logo: string; quickZh: string; quickEn: string }) {
  const quick = (v: string) =>
    v
      .split('|')
      .map((x) => x.trim())
      .filter(Boolean)
  return {
    color: s.color,
    title_zh: s.titleZh,
    title_en: s.titleEn,
    greeting_zh: s.greetingZh,
    greeting_en: s.greetingEn,
    logo_url: s.logo,
    quick_replies_zh: quick(s.quickZh),
    quick_replies_en: quick(s.quickEn),
    position: s.position,
  }
}

/** snippet builds the one-line embed tag for the settings a shop chose. */
export function snippet(
  origin: string,
  s: { color: string; titleZh: string; titleEn: string; greetingZh: string; greetingEn: string; position: string; logo?: string; quickZh?: string; quickEn?: string },
): string {
  const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
  const attrs = [`src="${esc(origin)}/widget.js"`, 'async', `data-color="${esc(s.color)}"`]
  if (s.titleZh) attrs.push(`data-title-zh="${esc(s.titleZh)}"`)
  if (s.titleEn) attrs.push(`data-title-en="${esc(s.titleEn)}"`)
  if (s.greetingZh) attrs.push(`data-greeting-zh="${esc(s.greetingZh)}"`)
  if (s.greetingEn) attrs.push(`data-greeting-en="${esc(s.greetingEn)}"`)
  if (s.quickZh) attrs.push(`data-quick-replies-zh="${esc(s.quickZh)}"`)
  if (s.quickEn) attrs.push(`data-quick-replies-en="${esc(s.quickEn)}"`)
  if (s.logo) attrs.push(`data-logo="${esc(s.logo)}"`)
  if (s.position === 'left') attrs.push('data-position="left"')
  return `<script ${attrs.join(' ')}></script>`
}

export function WidgetSettings() {
  const { t, can } = useApp()
  const ct = useCT()
  const [secret, setSecret] = useState('')
  const [secretError, setSecretError] = useState<unknown>(null)
  const [s, setS] = useState({ color: '#1f6feb', titleZh: '', titleEn: '', greetingZh: '', greetingEn: '', position: 'right', logo: '', quickZh: '', quickEn: '' })
  const [copied, setCopied] = useState(false)
  const set = (k: keyof typeof s) => (e: Event) => setS({ ...s, [k]: (e.target as HTMLInputElement).value })
  const code = snippet(location.origin, s)
  const canSave = can('settings:write')
  const saveState = useSave()
  // The look saved on the server (GET is public: it is what every embedded widget reads).
  const stored = useAsync(() => api<ServerWidgetSettings>('GET', '/api/v1/widget/settings'), [])
  useEffect(() => {
    const v = stored.data
    if (!v) return
    setS((cur) => ({
      ...cur,
      color: v.color || cur.color,
      titleZh: v.title_zh,
      titleEn: v.title_en,
      greetingZh: v.greeting_zh,
      greetingEn: v.greeting_en,
      logo: v.logo_url,
      quickZh: (v.quick_replies_zh ?? []).join('|'),
      quickEn: (v.quick_replies_en ?? []).join('|'),
      position: v.position || cur.position,
    }))
  }, [stored.data])
  const err = (f: string) => apiFieldError(saveState.error, f)
  const saveServer = () =>
    saveState.run(() => api<ServerWidgetSettings>('PUT', '/api/v1/settings/widget', serverBody(s)), ct('widget.savedOk'))
  return (
    <section class="full-pane" aria-labelledby="widget-title" data-testid="widget-settings">
      <h1 id="widget-title">{t('widget.title')}</h1>
      <p>{t('widget.intro')}</p>
      <div class="form-grid">
        <Field label={t('widget.color')} error={err('color')}>
          <input type="color" value={s.color} onInput={set('color')} />
        </Field>
        <Field label={t('widget.position')} error={err('position')}>
          <select value={s.position} onChange={set('position')}>
            <option value="right">{t('widget.right')}</option>
            <option value="left">{t('widget.left')}</option>
          </select>
        </Field>
        <Field label={t('widget.titleZh')} error={err('title_zh')}>
          <input value={s.titleZh} maxLength={40} onInput={set('titleZh')} />
        </Field>
        <Field label={t('widget.titleEn')} error={err('title_en')}>
          <input value={s.titleEn} maxLength={40} onInput={set('titleEn')} />
        </Field>
        <Field label={t('widget.greetingZh')} error={err('greeting_zh')}>
          <input value={s.greetingZh} maxLength={300} onInput={set('greetingZh')} />
        </Field>
        <Field label={t('widget.greetingEn')} error={err('greeting_en')}>
          <input value={s.greetingEn} maxLength={300} onInput={set('greetingEn')} />
        </Field>
        <Field label={ct('widget.logo')} error={err('logo_url')}>
          <input type="url" value={s.logo} maxLength={500} placeholder="https://shop.example.com/logo.png" onInput={set('logo')} name="widget-logo" />
        </Field>
        <Field label={ct('widget.quickZh')} error={err('quick_replies_zh')}>
          <input value={s.quickZh} maxLength={400} placeholder="我的订单到哪了？|我要退货" onInput={set('quickZh')} />
        </Field>
        <Field label={ct('widget.quickEn')} error={err('quick_replies_en')}>
          <input value={s.quickEn} maxLength={400} placeholder="Where is my order?|I want a return" onInput={set('quickEn')} />
        </Field>
      </div>
      {canSave && (
        <div class="panel-form" aria-labelledby="widget-server-title" data-testid="widget-server">
          <h2 id="widget-server-title">{ct('widget.serverTitle')}</h2>
          <p class="muted">{ct('widget.serverIntro')}</p>
          {stored.error != null && <ErrorBox error={stored.error} onRetry={stored.reload} />}
          <SaveStatus error={saveState.error} ok={saveState.ok} fields={['color', 'title_zh', 'title_en', 'greeting_zh', 'greeting_en', 'logo_url', 'quick_replies_zh', 'quick_replies_en', 'position']} />
          <button type="button" class="primary" disabled={saveState.busy} onClick={saveServer} data-testid="widget-save">
            {saveState.busy ? ct('saving') : ct('widget.save')}
          </button>
        </div>
      )}
      <h2>{ct('widget.preview')}</h2>
      <div class="widget-preview" aria-hidden="true">
        <div class="wp-head" style={`background:${s.color}`}>
          {/* the console's CSP allows only its own images; other logos show in the real widget */}
          {(s.logo.startsWith('/') || s.logo.startsWith(location.origin + '/')) && <img src={s.logo} alt="" width={24} height={24} />}
          <span>{s.titleZh || s.titleEn || 'kefu'}</span>
        </div>
        <p class="wp-greeting">{s.greetingZh || s.greetingEn || '…'}</p>
        <span class="wp-launcher" style={`background:${s.color};${s.position === 'left' ? 'left' : 'right'}:8px`} />
      </div>
      <h2>{t('widget.snippet')}</h2>
      <p>{ct('widget.shortSnippet')}</p>
      <pre class="code" data-testid="short-snippet">
        <code>{`<script src="${location.origin}/widget.js" async></script>`}</code>
      </pre>
      <p>{ct('widget.fullSnippet')}</p>
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
