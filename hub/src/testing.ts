/**
 * Test support for other packages' tests (`@edgefleet/hub/testing`): real servers started privately
 * on free loopback ports. Not part of the hub's API.
 */
export { INFLUXD_MISSING, influxdAvailable, startInfluxd, type TestInfluxd } from './telemetry/test-influxd.ts'
export { POSTGRES_MISSING, postgresAvailable, startPostgres, type TestPostgres } from './test-support/test-postgres.ts'
