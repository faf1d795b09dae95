import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { ExternalBroker } from '../broker/external-broker.ts'
import { InstanceFailover } from '../cluster/instance-failover.ts'
import { AlwaysLeader, type LeaderLease } from '../cluster/leader-lease.ts'
import { PgLeaderLease } from '../cluster/pg-leader-lease.ts'
import { SingletonWork, type SingletonStep } from '../cluster/singleton-work.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** whether this instance runs the once-only work (always, unless several instances share a group) */
    leader: LeaderLease
    /** several hub instances on one broker: `start()` once the broker is started (the CLI does) */
    cluster: { instanceId: string | null; start(): Promise<void> }
  }
}

export interface ClusterOptions {
  /** config `sharedGroup` */
  sharedGroup?: string | undefined
  /** this instance's name (config `instanceId`, or its default) */
  instanceId?: string | undefined
  /** the PostgreSQL registry's URL: the leader lease is an advisory lock there; without it this instance always leads */
  leaseUrl?: string | undefined
  /** how often a follower tries to take the lease (default 3 s) */
  leaseRetryMs?: number
  /** while leading, look for work other instances queued (webhook deliveries, retraining jobs) this often (default 5 s) */
  pollMs?: number
}

/**
 * Who runs the once-only work. One hub alone always leads. Instances of one shared group
 * (`--shared-group`) with a PostgreSQL registry hold a lease (./cluster/pg-leader-lease.ts): the leader
 * steps rollouts, delivers webhooks, runs retraining jobs and triggers, judges fleet drift windows,
 * republishes retained alerts and desired states when it takes over, and takes over the MQTT session
 * of an instance that died (./cluster/instance-failover.ts). Every instance ingests, serves REST and
 * judges the device drift windows it receives. Registered early (after the stores), so plugins can
 * look at `app.leader`; `app.cluster.start()` begins once everything else is built and the broker runs.
 */
export const clusterPlugin = fp<ClusterOptions>(async (app, o) => {
  const lease: LeaderLease = o.sharedGroup !== undefined && o.leaseUrl !== undefined
    ? new PgLeaderLease({ url: o.leaseUrl, name: `edgefleet:${o.sharedGroup}`, retryMs: o.leaseRetryMs, logger: app.log })
    : new AlwaysLeader()
  if (o.sharedGroup !== undefined && o.leaseUrl === undefined) {
    app.log.warn({ group: o.sharedGroup }, 'shared group without a PostgreSQL registry (--registry-url): this instance leads whatever the others do, so rollouts, webhooks and retraining run on every instance; use PostgreSQL for more than one instance')
  }
  app.decorate('leader', lease)
  let work: SingletonWork | undefined
  let failover: InstanceFailover | undefined
  let started = false
  app.decorate('cluster', {
    instanceId: o.sharedGroup !== undefined ? (o.instanceId ?? null) : null,
    start: async () => {
      if (started) return
      started = true
      work = new SingletonWork({ lease, steps: singletonSteps(app), poll: () => poll(app), pollMs: o.pollMs, logger: app.log })
      work.attach()
      const broker = app.broker
      const membership = broker instanceof ExternalBroker ? broker.membership : undefined
      if (broker instanceof ExternalBroker && membership) {
        const takeovers = new Counter({ name: 'edgefleet_session_takeovers_total', help: 'Sessions of dead hub instances this one took over as leader, by outcome (drained, no-session, cut-short, failed)', labelNames: ['outcome'], registers: [app.metrics.registry] })
        const takenOver = new Counter({ name: 'edgefleet_session_takeover_messages_total', help: 'Device messages stored from sessions of dead hub instances', registers: [app.metrics.registry] })
        failover = new InstanceFailover({
          membership, lease, logger: app.log,
          takeOver: (id) => broker.takeOver(id),
          clear: (id) => broker.publish(membership.topicOf(id), '', { retain: true, qos: 1 }),
          observe: (outcome, messages) => {
            takeovers.inc({ outcome })
            takenOver.inc(messages)
          },
        })
        failover.start()
      }
      await lease.start()
      await work.settled()
    },
  })
  app.addHook('onReady', async () => {
    // the metrics registry belongs to the broker plugin, registered later
    new Gauge({ name: 'edgefleet_leader', help: 'Whether this hub instance holds the leader lease and runs the once-only work (1) or not (0)', registers: [app.metrics.registry], collect() {
      this.set(lease.isLeader() ? 1 : 0)
    } })
  })
  // before the stores close; the broker (onClose) outlives the failover's takeovers
  app.addHook('preClose', async () => {
    await failover?.close()
    await work?.close()
    await lease.close()
  })
}, { name: 'cluster', dependencies: ['stores'] })

/** The once-only work, in the order it starts (it stops in reverse). */
function singletonSteps(app: import('fastify').FastifyInstance): SingletonStep[] {
  return [
    {
      // the broker may have lost retained messages (the embedded one keeps them in memory): give each topic its state back
      name: 'republish-retained',
      start: async () => {
        const topics = await app.alerts.republishRetained()
        if (topics > 0) app.log.info({ topics }, 'alert topics republished')
        const desired = await app.desired.republishAll()
        if (desired > 0) app.log.info({ devices: desired }, 'desired states republished')
      },
      stop: () => {},
    },
    // rollouts carry on where they were: their steps publish desired states, so the broker runs first
    { name: 'rollouts', start: () => app.rollouts.start(), stop: () => app.rollouts.close() },
    // pending deliveries from before a restart (or from another instance) first
    { name: 'webhooks', start: () => app.alerts.start(), stop: () => {} },
    // retraining jobs a stop interrupted run again; the triggers listen from now on
    {
      name: 'retraining',
      start: async () => {
        await app.retraining.jobs.start()
        app.retraining.triggers.start()
      },
      stop: async () => {
        app.retraining.triggers.close()
        await app.retraining.jobs.suspend()
      },
    },
  ]
}

/** Work the other instances queued in the shared registry: alerts they stored, jobs they queued. */
function poll(app: import('fastify').FastifyInstance): void {
  app.alerts.start()
  app.retraining.jobs.kick()
}
