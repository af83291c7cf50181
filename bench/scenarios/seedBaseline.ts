/**
 * Scenario 5 of `npm run bench` (issue 13): the seed's open flow, rebuilt here as a MODEL for
 * comparison — it is not SmartLocker's code and nothing in the product runs it.
 *
 * The seed (docs of the original project, Annex G, `bridge_firebase.py`): the web app wrote
 * `cmd_open_door` into the database; a gateway polled the database every second (`POLL_SEC`),
 * and for a new command less than 10 s old published "ouvrir" on `locker/{id}/commande`; the
 * locker energised its relay. Here:
 *   - "Flask": a small HTTP endpoint that inserts a pending command row;
 *   - "the gateway": a loop that reads the pending rows every 1 s, publishes each over MQTT
 *     (QoS 1, real TCP to an aedes broker on loopback) and marks it sent;
 *   - "the locker": an MQTT client that energises a SimulatedHal relay on "ouvrir".
 * One sample is the click (the HTTP request leaving) → the relay energised. The database is an
 * in-memory PGlite, so the model is kinder to the seed than Firebase over the Internet was.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedHal } from '@smartlocker/agent';
import { sql } from 'drizzle-orm';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker } from '../../apps/server/src/broker/embeddedBroker';
import { openDatabase } from '../../apps/server/src/db/database';
import { type Quantiles, quantiles } from './stats';

export interface SeedBaselineResult {
  open_latency_ms: Quantiles;
  samples: number;
  poll_interval_ms: number;
}

/** The seed's POLL_SEC. */
const POLL_INTERVAL_MS = 1_000;
/** The seed ignored commands older than this. */
const MAX_COMMAND_AGE_MS = 10_000;

export async function seedBaseline(options: { samples: number; lockers?: number }): Promise<SeedBaselineResult> {
  const lockerCount = Math.max(1, Math.min(options.lockers ?? 10, options.samples));
  const lockerIds = Array.from({ length: lockerCount }, (_, i) => `SEED_${String(i + 1).padStart(2, '0')}`);
  // An in-memory PGlite (from the server's prepared template: it opens in well under a second);
  // the model's one table is its own.
  const database = await openDatabase({ kind: 'pglite-memory' });
  const db = database.db;
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  const clients: MqttClient[] = [];
  let http: Server | null = null;
  let polling = true;
  let poller: Promise<void> = Promise.resolve();
  try {
    await db.execute(sql`CREATE TABLE seed_pending_commands (
      id serial PRIMARY KEY, locker_id text NOT NULL, requested_at timestamptz NOT NULL, sent_at timestamptz)`);

    // The lockers: subscribed to their command topic; "ouvrir" energises the relay. The pulse is
    // cut short (50 ms, not the seed's 4 s) so the next sample on the same locker can start;
    // it changes nothing before the relay is on.
    const hals = new Map<string, SimulatedHal>();
    for (const id of lockerIds) {
      const hal = new SimulatedHal();
      hals.set(id, hal);
      const locker = await mqtt.connectAsync(broker.url, { clientId: `seed-${id}`, reconnectPeriod: 0 });
      clients.push(locker);
      await locker.subscribeAsync(`locker/${id}/commande`, { qos: 1 });
      locker.on('message', (_topic, payload) => {
        if (payload.toString() !== 'ouvrir') return;
        hal.setRelay(true);
        setTimeout(() => hal.setRelay(false), 50);
      });
    }

    // The gateway: one pass over the pending commands, then wait a second, as the seed's loop did.
    const gateway = await mqtt.connectAsync(broker.url, { clientId: 'seed-gateway', reconnectPeriod: 0 });
    clients.push(gateway);
    poller = (async () => {
      while (polling) {
        // Both drivers answer { rows }; the database type does not say so.
        const pending = (await db.execute(
          sql`SELECT id, locker_id, requested_at FROM seed_pending_commands WHERE sent_at IS NULL ORDER BY id`,
        )) as unknown as { rows: { id: number; locker_id: string; requested_at: string | Date }[] };
        for (const row of pending.rows) {
          if (Date.now() - new Date(row.requested_at).getTime() <= MAX_COMMAND_AGE_MS) {
            await gateway.publishAsync(`locker/${row.locker_id}/commande`, 'ouvrir', { qos: 1 });
          }
          await db.execute(sql`UPDATE seed_pending_commands SET sent_at = now() WHERE id = ${row.id}`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    })();

    // The web app: the click writes the command and answers at once.
    http = createServer((req, res) => {
      const lockerId = /^\/open\/([A-Z0-9_]+)$/.exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || !lockerId) {
        res.writeHead(404).end();
        return;
      }
      db.execute(sql`INSERT INTO seed_pending_commands (locker_id, requested_at) VALUES (${lockerId}, now())`)
        .then(() => res.writeHead(204).end())
        .catch(() => res.writeHead(500).end());
    });
    const server = http;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    // Each locker takes its share of the clicks, one after the other, each at a random moment
    // of the poller's cycle.
    const samples: number[] = [];
    await Promise.all(
      lockerIds.map(async (id, index) => {
        const hal = hals.get(id);
        if (!hal) return;
        const mine = Math.floor(options.samples / lockerCount) + (index < options.samples % lockerCount ? 1 : 0);
        for (let n = 0; n < mine; n++) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * POLL_INTERVAL_MS));
          const relayOn = new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${id}: the relay did not move`)), 5_000);
            const off = hal.onRelayChange((energised) => {
              if (!energised) return;
              off();
              clearTimeout(timer);
              resolve(performance.now());
            });
          });
          const clicked = performance.now();
          const answer = await fetch(`${base}/open/${id}`, { method: 'POST' });
          if (answer.status !== 204) throw new Error(`the seed model's open answered ${answer.status}`);
          samples.push((await relayOn) - clicked);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }),
    );
    return { open_latency_ms: quantiles(samples), samples: samples.length, poll_interval_ms: POLL_INTERVAL_MS };
  } finally {
    polling = false;
    await poller.catch(() => {});
    const server = http;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
    await broker.close();
    await database.close();
  }
}
