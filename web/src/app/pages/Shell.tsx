import type { ComponentChildren } from 'preact'
import { useApp } from '../state'
import { A, LangSwitch } from '../ui'
import type { Key } from '../messages'

export interface NavItem {
  href: string
  label: Key
  perm?: string
}

export function Shell({ path, nav, area, children }: { path: string; nav: NavItem[]; area: 'workspace' | 'console'; children: ComponentChildren }) {
  const { t, me, signOut, can } = useApp()
  const roleKey = ('role.' + me?.user.role) as Key
  return (
    <div class="shell" data-area={area}>
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="topbar">
        <A href="/inbox" class="brand">
          <span class="logo-mark" aria-hidden="true">
            客
          </span>
          <span>{t('appName')}</span>
        </A>
        <nav aria-label={t('nav.main')} class="topnav">
          <A href="/inbox" current={area === 'workspace'}>
            {t('nav.workspace')}
          </A>
          {can('users:read') && (
            <A href="/console/users" current={area === 'console'}>
              {t('nav.console')}
            </A>
          )}
        </nav>
        <div class="spacer" />
        <LangSwitch />
        <span class="who" title={me?.user.email}>
          {t('signedInAs', { name: me?.user.name ?? '', role: t(roleKey) })}
        </span>
        <button type="button" class="ghost" onClick={signOut} data-testid="logout">
          {t('logout')}
        </button>
      </header>
      <div class="body">
        <nav class="sidenav" aria-label={area === 'console' ? t('nav.console') : t('nav.workspace')}>
          {nav
            .filter((n) => !n.perm || can(n.perm))
            .map((n) => (
              <A key={n.href} href={n.href} current={path === n.href || path.startsWith(n.href + '/')}>
                {t(n.label)}
              </A>
            ))}
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  )
}
