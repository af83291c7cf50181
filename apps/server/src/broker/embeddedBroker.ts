import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from '../observability/logger';
import type { BrokerAccess, BrokerIdentity } from './brokerAccess';

export interface EmbeddedBroker {
  url: string;
  port: number;
  /** The mqtts:// listener for the lockers (`mqtts://host:port`), when TLS is configured. */
  tlsUrl: string | null;
  /** Ends the sessions of a locker (its secret was rotated: the old one must stop working now). */
  disconnectDevice(lockerId: string): void;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /**
   * MQTT over TLS (issue 14): the same broker also listens for `mqtts://` with this certificate
   * chain and key (PEM files, read once at start-up). The plain listener stays for the server
   * itself and the simulated lockers, on loopback by default.
   */
  tls?: { host: string; port: number; certFile: string; keyFile: string } | null;
  /** Who may connect and what each may do (SPEC §12); without it the broker is open to anyone. */
  access?: BrokerAccess;
  logger?: Logger;
  /** Told of every refusal, for metrics and security alerts (docs/threat-model.md). */
  onDenied?: (denial: BrokerDenial) => void;
}

export interface BrokerDenial {
  action: 'connect' | 'publish' | 'subscribe';
  reason: string;
  clientId: string;
  /** The locker whose account was used, when it was one (a known id or a claimed user name). */
  lockerId: string | null;
  topic?: string;
}

/**
 * A locker's messages are at most 8 KiB (docs/protocol.md §1); the broker refuses anything from a
 * locker's account far larger before forwarding it to anyone.
 */
export const MAX_DEVICE_PUBLISH_BYTES = 64 * 1024;

/**
 * The broker `npm start` runs in-process when MQTT_URL is unset: real MQTT over TCP on loopback,
 * so the simulated lockers speak exactly what a Raspberry Pi speaks to Mosquitto.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker({
    id: 'smartlocker-embedded',
    drainTimeout: 30_000,
    // aedes reads a client's next packets from inside the callback that finishes the previous
    // one: when every step answers synchronously, a burst of packets (a fleet of 10,000 lockers)
    // nests deeper and deeper until the stack overflows and the process dies. Finishing each
    // publication on the next turn of the event loop unwinds the stack between packets.
    published: (_packet, _client, done) => setImmediate(done),
    // No cap on the messages being routed at once. With aedes' default of 100, the 101st waits
    // in its emitter's queue, and each one that finishes starts the next from inside its own
    // callback: a backlog of thousands (the 10,000-locker fleet's first reports) nested as deep
    // and overflowed the stack again. Each client's packets are still read one after the other.
    concurrency: 0,
  });
  const identities = new WeakMap<Client, BrokerIdentity>();
  const clients = new Set<Client>();
  // From the moment a client is registered, not once it is ready: a secret rotated right after a
  // locker connected must still end that session (disconnectDevice below).
  aedes.on('client', (client) => clients.add(client));
  aedes.on('clientDisconnect', (client) => clients.delete(client));
  if (options.access) installAccessControl(aedes, options.access, identities, options.logger, options.onDenied);
  // Nagle's algorithm off: MQTT's small packets (a command, its PUBACK, a state report) would
  // otherwise wait on the peer's delayed ACK, up to 40 ms each on Linux.
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  const port = await listen(server, options.port, options.host);
  let tlsServer: Server | null = null;
  let tlsUrl: string | null = null;
  if (options.tls) {
    const { certFile, keyFile } = options.tls;
    const secure = createTlsServer(
      { cert: readPem(certFile, 'certificate'), key: readPem(keyFile, 'key') },
      (socket) => {
        socket.setNoDelay(true);
        aedes.handle(socket);
      },
    );
    // A client that fails the handshake (wrong CA, plain MQTT on the TLS port) is dropped here.
    secure.on('tlsClientError', (error) => options.logger?.warn({ err: error.message }, 'mqtts handshake failed'));
    try {
      const tlsPort = await listen(secure, options.tls.port, options.tls.host);
      tlsServer = secure;
      tlsUrl = `mqtts://${urlHost(options.tls.host)}:${tlsPort}`;
    } catch (error) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  }
  return {
    url: `mqtt://${urlHost(options.host)}:${port}`,
    port,
    tlsUrl,
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
      if (tlsServer) {
        const secure = tlsServer;
        await new Promise<void>((resolve) => secure.close(() => resolve()));
      }
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read the MQTT TLS ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Wires BrokerAccess into aedes' hooks; a refused publish closes the client [MQTT-3.3.5-2]. */
function installAccessControl(
  aedes: Aedes,
  access: BrokerAccess,
  identities: WeakMap<Client, BrokerIdentity>,
  logger: Logger | undefined,
  onDenied: ((denial: BrokerDenial) => void) | undefined,
): void {
  const lockerOf = (client: Client): string | null => {
    const identity = identities.get(client);
    return identity?.kind === 'device' ? identity.lockerId : null;
  };
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
        onDenied?.({ action: 'connect', reason: result.reason, clientId: client.id, lockerId: username ?? null });
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
    const tooLarge = identity?.kind === 'device' && packet.payload.length > MAX_DEVICE_PUBLISH_BYTES;
    if (!client || (identity && !tooLarge && access.mayPublish(identity, packet.topic))) {
      done(null);
      return;
    }
    const reason = tooLarge ? 'payload_too_large' : 'topic_not_allowed';
    logger?.warn({ clientId: client.id, topic: packet.topic, reason }, 'broker refused a publish');
    onDenied?.({ action: 'publish', reason, clientId: client.id, lockerId: lockerOf(client), topic: packet.topic });
    done(new Error(`not allowed to publish on ${packet.topic}`));
  };
  aedes.authorizeSubscribe = (client, subscription, done) => {
    const identity = identities.get(client);
    if (identity && access.maySubscribe(identity, subscription.topic)) {
      done(null, subscription);
      return;
    }
    logger?.warn({ clientId: client.id, topic: subscription.topic }, 'broker refused a subscription');
    onDenied?.({
      action: 'subscribe',
      reason: 'topic_not_allowed',
      clientId: client.id,
      lockerId: lockerOf(client),
      topic: subscription.topic,
    });
    // A null subscription is a SUBACK failure (0x80) for this filter only, the session goes on.
    done(null, null);
  };
}
