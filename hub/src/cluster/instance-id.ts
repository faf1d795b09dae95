import { createHash } from 'node:crypto'
import { hostname } from 'node:os'
import { resolve } from 'node:path'

/**
 * The default instance id with --shared-group: the host name (a pod's name under Kubernetes) and a
 * short hash of the data directory and HTTP port, so two instances on one machine differ by their
 * ports, and a restarted instance gets its old id (and its MQTT session) back. Instances started with
 * HTTP port 0 on one machine and one data directory would collide: give them --instance-id.
 */
export function defaultInstanceId(dataDir: string, httpPort: number, host: string = hostname()): string {
  const name = host.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 48) || 'hub'
  const hash = createHash('sha256').update(`${resolve(dataDir)}:${httpPort}`).digest('hex').slice(0, 8)
  return `${name}-${hash}`
}
