import { dateTime, initials } from '../../shared/format'
import { api, query, type Customer, type Page } from '../api'
import { useApp } from '../state'
import { A, ErrorBox, Loading, TierBadge, useAsync } from '../ui'

/**
 * Inbox. The conversations API is being built; until the server offers it (the app reads the
 * server's OpenAPI document at sign-in), the inbox says so and lists the customers who were
 * active most recently, so an agent can still open their 360° view.
 */
export function Inbox({ hasConversations }: { hasConversations: boolean }) {
  const { t, lang } = useApp()
  const recent = useAsync(() => api<Page<Customer>>('GET', '/api/v1/customers' + query({ sort: '-last_seen_at', limit: 20 })), [])
  return (
    <section class="full-pane" aria-labelledby="inbox-title" data-testid="inbox">
      <h1 id="inbox-title">{t('inbox.title')}</h1>
      {!hasConversations && (
        <p class="notice" role="note">
          {t('inbox.unavailable')}
        </p>
      )}
      <h2>{t('inbox.recentCustomers')}</h2>
      {recent.error != null && <ErrorBox error={recent.error} onRetry={recent.reload} />}
      {recent.loading && !recent.data && <Loading />}
      <ul class="cards">
        {(recent.data?.items ?? []).map((c) => (
          <li key={c.id}>
            <A href={`/customers/${c.id}`} class="card-link">
              <span class="avatar" aria-hidden="true">
                {initials(c.name)}
              </span>
              <span class="row-main">
                <strong>{c.name}</strong>
                <small class="muted">{dateTime(c.last_seen_at ?? c.created_at, lang)}</small>
              </span>
              <TierBadge tier={c.tier} />
            </A>
          </li>
        ))}
      </ul>
    </section>
  )
}
