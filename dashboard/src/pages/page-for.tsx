import type { Route } from '../routing/route.ts'
import { AlertsPage } from './alerts/alerts-page.tsx'
import { DevicePage } from './device/device-page.tsx'
import { FleetPage } from './fleet/fleet-page.tsx'
import { JobDetailPage } from './jobs/job-detail-page.tsx'
import { JobsPage } from './jobs/jobs-page.tsx'
import { ModelsPage } from './models/models-page.tsx'
import { RolloutDetailPage } from './rollouts/rollout-detail-page.tsx'
import { RolloutsPage } from './rollouts/rollouts-page.tsx'

/** The page a route shows. */
export function PageFor({ route }: { route: Route }) {
  switch (route.page) {
    case 'fleet':
      return <FleetPage />
    case 'device':
      return <DevicePage key={route.id} id={route.id} />
    case 'models':
      return <ModelsPage />
    case 'rollouts':
      return <RolloutsPage />
    case 'rollout':
      return <RolloutDetailPage key={route.id} id={route.id} />
    case 'alerts':
      return <AlertsPage />
    case 'jobs':
      return <JobsPage />
    case 'job':
      return <JobDetailPage key={route.id} id={route.id} />
    case 'not-found':
      return (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>There is no page at <code>#{route.path}</code>. Go to the <a href="#/fleet">Fleet</a>.</p>
        </>
      )
  }
}
