import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per running system, so tests that start several systems do not collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'smartlocker_' });
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
    mqttMessages: new Counter({
      name: 'smartlocker_mqtt_messages_total',
      help: 'Device messages received, by channel and outcome',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    commandsSent: new Counter({
      name: 'smartlocker_commands_sent_total',
      help: 'Signed commands published to lockers',
      labelNames: ['type'] as const,
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
      help: 'Lockers currently online',
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
