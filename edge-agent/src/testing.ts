/**
 * Test support for other packages' tests (`@edgefleet/edge-agent/testing`): a real small disk to fill.
 * Not part of the agent's API.
 */
export { mountSmallDisk, SMALL_DISK_NEEDS_ROOT, type SmallDisk } from './uplink/test-small-disk.ts'
