import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from './migrations.ts'

describe('registry migrations', () => {
  let db: Database.Database | undefined
  afterEach(() => db?.close())

  it('are numbered 1, 2, 3, … with unique names', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length)
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length)
  })

  it('apply only what is pending, and roll back a failing step with its record', () => {
    db = new Database(':memory:')
    const steps = [
      { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER)' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (x INTEGER)' },
    ]
    expect(migrate(db, 'mem', steps.slice(0, 1))).toEqual([1])
    expect(migrate(db, 'mem', steps)).toEqual([2])
    expect(migrate(db, 'mem', steps)).toEqual([])
    const broken = [...steps, { version: 3, name: 'three', sql: 'CREATE TABLE c (x INTEGER); THIS IS NOT SQL' }]
    expect(() => migrate(db!, 'mem', broken)).toThrow()
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name)
    expect(tables).toEqual(['a', 'b', 'schema_migrations'])
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 2 })
  })

  it('upgrade a schema-1 registry to the alerts schema, keeping its devices', () => {
    db = new Database(':memory:')
    migrate(db, 'mem', MIGRATIONS.slice(0, 1))
    db.prepare("INSERT INTO devices (id, created_at, secret_hash) VALUES ('pi-01', 1, 'x')").run()
    expect(migrate(db, 'mem')).toEqual(MIGRATIONS.slice(1).map((m) => m.version))
    expect(db.prepare('SELECT id FROM devices').all()).toEqual([{ id: 'pi-01' }])
    expect(db.prepare('SELECT COUNT(*) AS n FROM alerts').get()).toEqual({ n: 0 })
    // a device alert needs its device id, a fleet alert has none
    const insert = db.prepare("INSERT INTO alerts (id, ts, kind, state, severity, model, version, scope, device_id, payload) VALUES (?, 1, 'data-drift', 'raised', 'warning', 'm', '1.0.0', ?, ?, '{}')")
    expect(() => insert.run('a', 'device', null)).toThrow(/CHECK/)
    expect(() => insert.run('b', 'fleet', 'pi-01')).toThrow(/CHECK/)
    insert.run('c', 'fleet', null)
  })

  it('give every operator token made before roles existed the admin role, and subscribers none', () => {
    db = new Database(':memory:')
    migrate(db, 'mem', MIGRATIONS.filter((m) => m.version < 6))
    const add = db.prepare("INSERT INTO credentials (kind, name, secret_hash, created_at) VALUES (?, ?, 'x', 1)")
    add.run('operator', 'ci')
    add.run('subscriber', 'alerts')
    migrate(db, 'mem')
    expect(db.prepare('SELECT kind, name, role FROM credentials ORDER BY name').all()).toEqual([
      { kind: 'subscriber', name: 'alerts', role: null },
      { kind: 'operator', name: 'ci', role: 'admin' },
    ])
    expect(() => db!.prepare("UPDATE credentials SET role = 'root' WHERE name = 'ci'").run()).toThrow(/CHECK/)
  })
})
