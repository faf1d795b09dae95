import { applyAlertEvents, alertsNavLabel, feedFromList, type AlertFeed } from '../state/alerts-feed.ts'
import { sectionOf, type Route } from '../routing/route.ts'
import { identityText } from '../state/operator-role.ts'
import { useHub } from '../sync/hub-context.ts'
import { useIdentity } from '../sync/identity-context.ts'
import { useSynced } from '../sync/use-synced.ts'
import { LiveStatusBadge } from './live-status-badge.tsx'

/** How many unacknowledged alerts the header counts at most (the count shows `500+` beyond). */
const UNACKED_LIMIT = 500

const SECTIONS = [
  { id: 'fleet', href: '#/fleet', label: 'Fleet' },
  { id: 'models', href: '#/models', label: 'Models' },
  { id: 'rollouts', href: '#/rollouts', label: 'Rollouts' },
  { id: 'alerts', href: '#/alerts', label: 'Alerts' },
  { id: 'jobs', href: '#/jobs', label: 'Jobs' },
] as const

function skipToMain(e: Event) {
  // a real `#main` would be read as a route
  e.preventDefault()
  document.getElementById('main')?.focus()
}

/** Brand, main navigation (with the unacknowledged alert count), live stream status, the token's name · role and Sign out. */
export function Header({ route, onSignOut }: { route: Route; onSignOut: () => void }) {
  const { api } = useHub()
  const unacked = useSynced<AlertFeed>(
    'unacknowledged-alerts',
    async (signal) => feedFromList(await api.alerts({ acknowledged: false, limit: UNACKED_LIMIT }, signal)),
    (feed, messages) => applyAlertEvents(feed, messages, { unacknowledged: true }),
  )
  const current = sectionOf(route)
  const signedInAs = identityText(useIdentity())
  return (
    <header class="site-header">
      <a class="skip-link" href="#main" onClick={skipToMain}>Skip to content</a>
      <a class="brand" href="#/fleet">edgefleet</a>
      <nav aria-label="Main">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.id}>
              <a href={s.href} aria-current={current === s.id ? 'page' : undefined}>
                {s.id === 'alerts' ? alertsNavLabel(unacked.data) : s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="header-end">
        <LiveStatusBadge />
        {signedInAs && <small class="muted identity"><span class="visually-hidden">Signed in as </span>{signedInAs}</small>}
        <button type="button" class="secondary" onClick={onSignOut}>Sign out</button>
      </div>
    </header>
  )
}
