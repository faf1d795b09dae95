import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A private CA and a server certificate it signed, as files in a temp directory (and their PEM text). */
export interface TestPki {
  dir: string
  /** the CA's certificate: what clients trust (`--ca`) */
  caFile: string
  caPem: string
  /** the server's certificate and key: what the hub serves (`--tls-cert`, `--tls-key`) */
  certFile: string
  keyFile: string
  /** a second CA that signed nothing the server has: trusting only it must fail */
  otherCaFile: string
  close(): void
}

const OPENSSL = '/usr/bin/openssl'

/**
 * Makes a CA and a server certificate for `names` (DNS names and IP addresses in its
 * subjectAltName; default localhost and 127.0.0.1) with the real `openssl`, the same commands
 * README "TLS" shows. EC P-256 keys: quick to generate.
 */
export function makeTestPki(names: readonly string[] = ['localhost', '127.0.0.1']): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'ef-pki-'))
  const run = (...args: string[]): void => void execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const ca = (name: string): void => run('req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=edgefleet test ${name}`)
  ca('ca')
  ca('other-ca')
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=edgefleet hub')
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',')
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`)
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext')
  const caFile = join(dir, 'ca.crt')
  return {
    dir,
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    otherCaFile: join(dir, 'other-ca.crt'),
    close: () => rmSync(dir, { recursive: true, force: true }),
  }
}
