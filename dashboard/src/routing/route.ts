/** The dashboard's pages, addressed by the URL's hash so the hub serves one file for all of them. */
export type Route =
  | { page: 'fleet' }
  | { page: 'device'; id: string }
  | { page: 'models' }
  | { page: 'rollouts' }
  | { page: 'rollout'; id: string }
  | { page: 'alerts' }
  | { page: 'jobs' }
  | { page: 'job'; id: string }
  | { page: 'not-found'; path: string }

/** The route of a location hash (`#/devices/pi-01`); the Fleet page for an empty one. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '')
  const parts = path.split('/').filter((p) => p !== '')
  const decode = (s: string): string | null => {
    try {
      return decodeURIComponent(s)
    } catch {
      return null
    }
  }
  const [first, second, ...more] = parts
  if (more.length > 0) return { page: 'not-found', path }
  if (first === undefined || (first === 'fleet' && second === undefined)) return { page: 'fleet' }
  if (second === undefined) {
    if (first === 'models' || first === 'rollouts' || first === 'alerts' || first === 'jobs') return { page: first }
    return { page: 'not-found', path }
  }
  const id = decode(second)
  if (id === null) return { page: 'not-found', path }
  if (first === 'devices') return { page: 'device', id }
  if (first === 'rollouts') return { page: 'rollout', id }
  if (first === 'jobs') return { page: 'job', id }
  return { page: 'not-found', path }
}

/** The hash of a route, for links: `#/devices/pi-01`. */
export function hrefFor(route: Route): string {
  switch (route.page) {
    case 'device':
      return `#/devices/${encodeURIComponent(route.id)}`
    case 'rollout':
      return `#/rollouts/${encodeURIComponent(route.id)}`
    case 'job':
      return `#/jobs/${encodeURIComponent(route.id)}`
    case 'not-found':
      return '#/fleet'
    default:
      return `#/${route.page}`
  }
}

/** The nav section a route belongs to (for `aria-current`). */
export function sectionOf(route: Route): 'fleet' | 'models' | 'rollouts' | 'alerts' | 'jobs' | null {
  switch (route.page) {
    case 'fleet':
    case 'device':
      return 'fleet'
    case 'rollouts':
    case 'rollout':
      return 'rollouts'
    case 'jobs':
    case 'job':
      return 'jobs'
    case 'models':
    case 'alerts':
      return route.page
    default:
      return null
  }
}
