import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from '../observability/logger';
import type { BrokerAccess, BrokerIdentity } from './brokerAccess';

export interface EmbeddedBroker {
  url: string;
  port: number;
  /** Ends the sessions of a locker (its secret was rotated: the old one must stop working now). */
  disconnectDevice(lockerId: string): void;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** Who may connect and what each may do (SPEC §12); without it the broker is open to anyone. */
  access?: BrokerAccess;
  logger?: Logger;
}

/**
 * The broker `npm start` runs in-process when MQTT_URL is unset: real MQTT over TCP on loopback,
 * so the simulated lockers speak exactly what a Raspberry Pi speaks to Mosquitto.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker({ id: 'smartlocker-embedded', drainTimeout: 30_000 });
  const identities = new WeakMap<Client, BrokerIdentity>();
  const clients = new Set<Client>();
  aedes.on('clientReady', (client) => clients.add(client));
  aedes.on('clientDisconnect', (client) => clients.delete(client));
  if (options.access) installAccessControl(aedes, options.access, identities, options.logger);
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    disconnectDevice: (lockerId) => {
      for (const client of clients) {
        const identity = identities.get(client);
        if (identity?.kind === 'device' && identity.lockerId === lockerId) client.close();
      }
    },
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Connected clients keep the listener alive; aedes.close has already ended them.
      });
    },
  };
}

/** Wires BrokerAccess into aedes' hooks; a refused publish closes the client [MQTT-3.3.5-2]. */
function installAccessControl(
  aedes: Aedes,
  access: BrokerAccess,
  identities: WeakMap<Client, BrokerIdentity>,
  logger: Logger | undefined,
): void {
  const willTopics = new WeakMap<Client, string>();
  aedes.preConnect = (client, packet, done) => {
    if (packet.will) willTopics.set(client, packet.will.topic);
    done(null, true);
  };
  aedes.authenticate = (client, username, password, done) => {
    access
      .authenticate({ clientId: client.id, username, password, willTopic: willTopics.get(client) })
      .then((result) => {
        if (result.ok) {
          identities.set(client, result.identity);
          done(null, true);
          return;
        }
        logger?.warn({ clientId: client.id, username, reason: result.reason }, 'broker refused a connection');
        // CONNACK return codes, MQTT 3.1.1 §3.2.2.3.
        const returnCode = result.reason === 'bad_credentials' ? 4 : result.reason === 'client_id_taken' ? 2 : 5;
        done(Object.assign(new Error(result.reason), { returnCode }) as AuthenticateError, false);
      })
      .catch((error: unknown) => {
        logger?.error({ err: error, clientId: client.id }, 'broker authentication failed');
        done(Object.assign(new Error('server unavailable'), { returnCode: 3 }) as AuthenticateError, false);
      });
  };
  aedes.authorizePublish = (client, packet, done) => {
    // A null client is a will aedes publishes after its owner is gone: it was checked at CONNECT.
    const identity = client ? identities.get(client) : null;
    if (!client || (identity && access.mayPublish(identity, packet.topic))) {
      done(null);
      return;
    }
    logger?.warn({ clientId: client.id, topic: packet.topic }, 'broker refused a publish');
    done(new Error(`not allowed to publish on ${packet.topic}`));
  };
  aedes.authorizeSubscribe = (client, subscription, done) => {
    const identity = identities.get(client);
    if (identity && access.maySubscribe(identity, subscription.topic)) {
      done(null, subscription);
      return;
    }
    logger?.warn({ clientId: client.id, topic: subscription.topic }, 'broker refused a subscription');
    // A null subscription is a SUBACK failure (0x80) for this filter only, the session goes on.
    done(null, null);
  };
}
