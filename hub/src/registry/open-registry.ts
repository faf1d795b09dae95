import { hubPaths } from '../paths.ts'
import { PgRegistry } from './postgres/pg-registry.ts'
import { redactUrl } from './postgres/pg-url.ts'
import type { RegistryStore } from './registry-store.ts'
import { SqliteRegistry } from './sqlite-registry.ts'

/** Where the registry is: PostgreSQL when `registryUrl` is given, else the SQLite file in the data directory. */
export interface RegistryLocation {
  dataDir: string
  /** postgres://user:password@host:port/database (--registry-url, EDGEFLEET_REGISTRY_URL) */
  registryUrl?: string
  /** PostgreSQL connections this process holds at most (--registry-pool-size; default 10) */
  registryPoolSize?: number
  /** told about pooled PostgreSQL connections the server dropped while idle */
  onIdleError?: (err: Error) => void
}

/** The environment variable the CLI commands and the hub read the registry URL from. */
export const REGISTRY_URL_ENV = 'EDGEFLEET_REGISTRY_URL'

/** Opens (and migrates) the registry at `where`. */
export async function openRegistry(where: RegistryLocation): Promise<RegistryStore> {
  if (where.registryUrl !== undefined) {
    return PgRegistry.open(where.registryUrl, {
      ...(where.registryPoolSize !== undefined ? { poolSize: where.registryPoolSize } : {}),
      ...(where.onIdleError ? { onIdleError: where.onIdleError } : {}),
    })
  }
  return SqliteRegistry.open(hubPaths(where.dataDir).registry)
}

/** The registry for messages: the SQLite file, or the PostgreSQL URL without its password. */
export function describeRegistry(where: RegistryLocation): string {
  if (where.registryUrl === undefined) return hubPaths(where.dataDir).registry
  return redactUrl(where.registryUrl)
}
