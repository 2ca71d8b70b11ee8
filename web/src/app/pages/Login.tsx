import { useState } from 'preact/hooks'
import { api, ApiError, setCsrf, type Me, type User } from '../api'
import { useApp } from '../state'
import { ErrorBox, Field, LangSwitch } from '../ui'

export function Login({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const { t } = useApp()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const res = await api<{ token: string; csrf_token: string; user: User }>('POST', '/api/v1/auth/login', { email, password })
      setCsrf(res.csrf_token)
      const me = await api<Me>('GET', '/api/v1/auth/me')
      onSignedIn(me)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="login" data-testid="login">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div class="login-brand">
          <span class="logo-mark" aria-hidden="true">
            客
          </span>
          <div>
            <h1 id="login-title">{t('login.title')}</h1>
            <p class="muted">{t('tagline')}</p>
          </div>
        </div>
        <Field label={t('login.email')}>
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t('login.password')}>
          <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </Field>
        {error != null && (error instanceof ApiError && error.status === 401 ? <div class="error" role="alert">{t('login.failed', { message: error.message })}</div> : <ErrorBox error={error} />)}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <div class="login-foot">
          <LangSwitch />
        </div>
      </form>
    </main>
  )
}
