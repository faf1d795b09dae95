import { buildShipped } from '@edgefleet/models/build'
import { buildAgentBundle } from './build-agent-bundle.ts'
import { buildBrowserAgent } from './build-browser-agent.ts'
import { buildDashboard } from './build-dashboard.ts'

/**
 * Builds the shipped model packages once before the suite (skipped when up to date), from the real
 * data in the data directory, the dashboard and the browser agent the hub serves, and the agent
 * bundle `edgefleet flash` copies (each skipped when up to date). Fails with the data directory's message when the data is missing.
 */
export default async function setup(): Promise<void> {
  buildDashboard()
  buildBrowserAgent()
  buildAgentBundle()
  await buildShipped('all')
}
