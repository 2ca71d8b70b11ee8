// The agent workspace and admin console: one app, routed by path (/inbox, /customers/12,
// /console/users…). kefu serves index.html for every such path.
import { render } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { browserLangs, pickLang, safeStorage, translator, type Lang } from '../shared/i18n'
import { api, ApiError, setCsrf, type Me } from './api'
import { appDicts } from './messages'
import { match, navigate, usePath } from './router'
import { AppContext, useApp, type AppState } from './state'
import { Loading } from './ui'
import { Login } from './pages/Login'
import { Shell, type NavItem } from './pages/Shell'
import { Inbox } from './pages/Inbox'
import { Customers } from './pages/Customers'
import { Orders } from './pages/Orders'
import { Products } from './pages/Products'
import { consoleNav, ConsolePage } from './console/routes'
import './app.css'

const storage = safeStorage()
// A hint, not a secret: it only saves signed-out visitors a 401 from /auth/me on first paint.
const SIGNED_IN = 'kefu.signedIn'
const LANG = 'kefu.lang'

const workspaceNav: NavItem[] = [
  { href: '/inbox', label: 'nav.inbox' },
  { href: '/customers', label: 'nav.customers', perm: 'customers:read' },
  { href: '/orders', label: 'nav.orders', perm: 'orders:read' },
  { href: '/products', label: 'nav.products', perm: 'products:read' },
]

// Which optional APIs does this server offer? The OpenAPI document (public) is the source of
// truth. It is fetched once, from the first paint, in parallel with signing in.
let apiPathsPromise: Promise<Set<string>> | null = null
function apiPathsOnce(): Promise<Set<string>> {
  apiPathsPromise ??= api<{ paths: Record<string, unknown> }>('GET', '/api/v1/openapi.json').then(
    (doc) => new Set(Object.keys(doc.paths ?? {})),
    () => new Set<string>(),
  )
  return apiPathsPromise
}

function App() {
  const [lang, setLangState] = useState<Lang>(() => pickLang(browserLangs(), storage?.getItem(LANG)))
  const [me, setMe] = useState<Me | null>(null)
  const [booting, setBooting] = useState(storage?.getItem(SIGNED_IN) === '1')
  const [apiPaths, setApiPaths] = useState<Set<string> | null>(null)
  const path = usePath()
  const t = useMemo(() => translator(appDicts, lang), [lang])

  useEffect(() => {
    document.documentElement.lang = lang
    document.title = `${t('appName')} · ${t('tagline')}`
  }, [lang])

  const signedIn = (m: Me) => {
    if (m.csrf_token) setCsrf(m.csrf_token)
    storage?.setItem(SIGNED_IN, '1')
    setMe(m)
    apiPathsOnce().then(setApiPaths)
    if (path === '/' || path === '/login') navigate('/inbox', true)
  }

  useEffect(() => {
    apiPathsOnce()
    if (!booting) return
    api<Me>('GET', '/api/v1/auth/me')
      .then(signedIn, (e) => {
        if (e instanceof ApiError && e.status === 401) storage?.removeItem(SIGNED_IN)
      })
      .finally(() => setBooting(false))
  }, [])

  const state: AppState = {
    lang,
    t,
    me,
    setLang: (l) => {
      setLangState(l)
      storage?.setItem(LANG, l)
    },
    signOut: () => {
      api('POST', '/api/v1/auth/logout').catch(() => {})
      storage?.removeItem(SIGNED_IN)
      setCsrf('')
      setMe(null)
      setApiPaths(null)
      navigate('/login')
    },
    can: (p) => !!me?.permissions.includes(p),
    has: (p) => !!apiPaths?.has(p),
  }

  let page
  if (booting) page = <Loading />
  else if (!me) page = <Login onSignedIn={signedIn} />
  else if (!apiPaths) page = <Loading /> // pages choose their data source from the server's API
  else page = <Routes path={path} hasConversations={apiPaths.has('/api/v1/conversations')} />
  return <AppContext.Provider value={state}>{page}</AppContext.Provider>
}

function Routes({ path, hasConversations }: { path: string; hasConversations: boolean }) {
  useEffect(() => {
    if (path === '/' || path === '/login') navigate('/inbox', true)
    if (path === '/console' || path === '/console/') navigate('/console/users', true)
  }, [path])
  let m: Record<string, string> | null
  if (path.startsWith('/console')) {
    const body = <ConsolePage path={path} />
    return (
      <Shell path={path} nav={consoleNav} area="console">
        {body}
      </Shell>
    )
  }
  let body
  if (match('/inbox', path)) body = <Inbox hasConversations={hasConversations} />
  else if ((m = match('/inbox/:id', path))) body = <Inbox hasConversations={hasConversations} id={Number(m.id)} />
  else if (match('/customers', path)) body = <Customers />
  else if ((m = match('/customers/:id', path))) body = <Customers id={Number(m.id)} />
  else if (match('/orders', path)) body = <Orders />
  else if ((m = match('/orders/:id', path))) body = <Orders id={Number(m.id)} />
  else if (match('/products', path)) body = <Products />
  else if (path === '/' || path === '/login') body = <Loading />
  else body = <NotFound />
  return (
    <Shell path={path} nav={workspaceNav} area="workspace">
      {body}
    </Shell>
  )
}

function NotFound() {
  const { t } = useApp()
  return <p class="muted">{t('notFound')}</p>
}

render(<App />, document.getElementById('app')!)
