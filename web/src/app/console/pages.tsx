// The console's pages, loaded on demand (a separate chunk), so the agent workspace does not
// download the console's code.
import { match } from '../router'
import { Users, WidgetSettings } from '../pages/Console'
import { Integrations } from '../pages/Integrations'
import { AftersalesPolicy } from './AftersalesPolicy'
import { Gaps } from './Gaps'
import { Intents } from './Intents'
import { KnowledgeBase } from './KnowledgeBase'
import { ServiceLevels } from './ServiceLevels'
import { Teams } from './Teams'
import './console.css'

/** consolePage returns the page for a console path, or null when there is none. */
export function consolePage(path: string) {
  let m: Record<string, string> | null
  if (match('/console/kb', path)) return <KnowledgeBase />
  if (match('/console/kb/new', path)) return <KnowledgeBase id="new" />
  if ((m = match('/console/kb/:id', path))) return <KnowledgeBase id={Number(m.id)} />
  if (match('/console/gaps', path)) return <Gaps />
  if (match('/console/intents', path)) return <Intents />
  if (match('/console/sla', path)) return <ServiceLevels />
  if (match('/console/teams', path)) return <Teams />
  if (match('/console/aftersales', path)) return <AftersalesPolicy />
  if (match('/console/users', path)) return <Users />
  if (match('/console/widget', path)) return <WidgetSettings />
  if (match('/console/integrations', path)) return <Integrations />
  return null
}
