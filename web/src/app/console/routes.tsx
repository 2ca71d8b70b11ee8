// The admin console's sections: navigation (each item shown only to roles whose permissions
// allow its page) and the page for a /console/... path, whose code loads on first use.
import { useEffect, useState } from 'preact/hooks'
import type { NavItem } from '../pages/Shell'
import { useApp } from '../state'
import { ErrorBox, Loading } from '../ui'

export const consoleNav: NavItem[] = [
  { href: '/console/kb', label: 'nav.kb', perm: 'kb:read' },
  { href: '/console/gaps', label: 'nav.gaps', perm: 'kb:write' },
  { href: '/console/intents', label: 'nav.intents', perm: 'conversations:read' },
  { href: '/console/sla', label: 'nav.sla', perm: 'tickets:read' },
  { href: '/console/teams', label: 'nav.teams', perm: 'tickets:read' },
  { href: '/console/aftersales', label: 'nav.aftersales', perm: 'aftersales:read' },
  { href: '/console/users', label: 'nav.users', perm: 'users:read' },
  { href: '/console/widget', label: 'nav.widget' },
  { href: '/console/integrations', label: 'nav.integrations', perm: 'settings:write' },
]

type Pages = typeof import('./pages')
let loaded: Pages | null = null

/** ConsolePage renders the console page for path (loading the console's code once). */
export function ConsolePage({ path }: { path: string }) {
  const { t } = useApp()
  const [pages, setPages] = useState<Pages | null>(loaded)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    if (pages) return
    import('./pages').then((m) => {
      loaded = m
      setPages(m)
    }, setError)
  }, [])
  if (error != null) return <ErrorBox error={error} />
  if (!pages) return <Loading />
  return pages.consolePage(path) ?? <p class="muted">{t('notFound')}</p>
}
