import { buildShipped } from '@edgefleet/models/build'

/**
 * Builds the shipped model packages once before the suite (skipped when up to date), from the real
 * data in the data directory. Fails with the data directory's message when the data is missing.
 */
export default async function setup(): Promise<void> {
  await buildShipped('all')
}
