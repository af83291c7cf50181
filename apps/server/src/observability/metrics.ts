import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per running system, so tests that start several systems do not collide. */
export function createMetrics() {
  const registry = new Registry();
  // Process figures, the event-loop lag among them (smartlocker_nodejs_eventloop_lag_seconds and
  // its percentiles): a blocked loop delays every door and every stream of the instance.
  collectDefaultMetrics({ register: registry, prefix: 'smartlocker_' });
  /** Read at each scrape; system.ts points it at the database once it is open. */
  let countLockersOnline: (() => Promise<number>) | null = null;
  return {
    registry,
    httpRequests: new Counter({
      name: 'smartlocker_http_requests_total',
      help: 'HTTP requests by method, route and status class',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'smartlocker_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    httpStreams: new Counter({
      name: 'smartlocker_http_streams_total',
      help: 'Streamed HTTP responses (CSV exports) by route and outcome: completed, server_error (cut off), client_gone',
      labelNames: ['route', 'outcome'] as const,
      registers: [registry],
    }),
    mqttMessages: new Counter({
      name: 'smartlocker_mqtt_messages_total',
      help: 'Device messages received, by channel and outcome',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    securityEvents: new Counter({
      name: 'smartlocker_security_events_total',
      help: 'Signs of an attack on the device side (docs/threat-model.md), by type; each may raise an alert',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    brokerDenied: new Counter({
      name: 'smartlocker_broker_denied_total',
      help: 'Connections, publications and subscriptions the embedded broker refused, by action and reason',
      labelNames: ['action', 'reason'] as const,
      registers: [registry],
    }),
    commandsSent: new Counter({
      name: 'smartlocker_commands_sent_total',
      help: 'Signed commands published to lockers',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    stateResyncs: new Counter({
      name: 'smartlocker_state_resyncs_total',
      help: 'State reports asked for again because a heartbeat named a newer one than the database applied (a report lost on the way)',
      registers: [registry],
    }),
    commandAcks: new Counter({
      name: 'smartlocker_command_acks_total',
      help: 'Command acknowledgements from lockers, by outcome and reason',
      labelNames: ['type', 'outcome', 'reason'] as const,
      registers: [registry],
    }),
    lockersOnline: new Gauge({
      name: 'smartlocker_lockers_online',
      help: 'Lockers currently online (read from the database at each scrape: every instance reports the whole fleet)',
      registers: [registry],
      async collect() {
        if (!countLockersOnline) return;
        // A database out of reach keeps the last figure; /healthz is what reports the outage.
        const online = await countLockersOnline().catch(() => null);
        if (online !== null) this.set(online);
      },
    }),
    /** Where the lockers-online gauge reads its figure from. */
    countLockersOnlineWith(source: () => Promise<number>): void {
      countLockersOnline = source;
    },
    commandLatency: new Histogram({
      name: 'smartlocker_command_latency_seconds',
      help: "From a command's publication to the locker's acknowledgement, measured by the instance that sent it",
      labelNames: ['type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    commands: new Counter({
      name: 'smartlocker_commands_total',
      help: 'Commands this instance sent, by type and outcome: accepted, refused, unanswered (no acknowledgement before expiry)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    mqttPublished: new Counter({
      name: 'smartlocker_mqtt_published_total',
      help: 'Messages the server published to the broker, by channel',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'smartlocker_webhook_events_total',
      help: 'Payment webhook deliveries, by provider and outcome: handled, duplicate, bad_signature, too_large, failed',
      labelNames: ['provider', 'outcome'] as const,
      registers: [registry],
    }),
    relayMessages: new Counter({
      name: 'smartlocker_relay_messages_total',
      help: 'Bus events shared with the other instances (ADR 11), by direction (sent, received) and outcome',
      labelNames: ['direction', 'outcome'] as const,
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'smartlocker_alerts_total',
      help: 'Alerts recorded, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    activeAlarms: new Gauge({
      name: 'smartlocker_alarms_open',
      help: 'Alarms not cleared yet, by state (active: nobody acknowledged them)',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    pushes: new Counter({
      name: 'smartlocker_push_messages_total',
      help: 'Web Push messages by purpose and outcome (sent, failed, gone: the subscription was removed)',
      labelNames: ['purpose', 'outcome'] as const,
      registers: [registry],
    }),
    sseClients: new Gauge({
      name: 'smartlocker_sse_clients',
      help: 'Open Server-Sent Events streams',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
