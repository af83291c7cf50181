import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback that stands for the network between two programs (a locker and its
 * broker, a browser and the server), for the fault suite.
 *
 * - `cut()` pulls the cable: nothing passes in either direction, and nobody is told. Bytes
 *   written meanwhile are held, as TCP keeps retransmitting them; a side that gives up and closes
 *   is not heard by the other side either. New connections are accepted by the kernel but get no
 *   answer.
 * - `restore()` plugs it back: held bytes are delivered in order to sides still there; a
 *   connection one side closed during the cut is reset on the other (what the peer's RST does
 *   once packets flow again).
 * - `sliceBytes` delivers what comes from upstream in pieces of at most that many bytes, one
 *   turn of the event loop apart: a slow or congested link, where reads end anywhere.
 */
export interface TcpProxyOptions {
  targetHost?: string;
  targetPort: number;
  sliceBytes?: number;
}

export interface TcpProxy {
  readonly port: number;
  /** `scheme://127.0.0.1:port` */
  url(scheme: string): string;
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** Connections ever accepted. */
  readonly accepted: number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  toUpstream: Buffer[];
  toClient: Buffer[];
  clientGone: boolean;
  upstreamGone: boolean;
  /** Delivery to the client, one slice at a time. */
  writing: Promise<void>;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const pairs = new Set<Pair>();
  let isCut = false;
  let accepted = 0;

  const writeToClient = (pair: Pair, data: Buffer) => {
    const slice = options.sliceBytes;
    if (!slice) {
      if (!pair.client.destroyed) pair.client.write(data);
      return;
    }
    pair.writing = pair.writing.then(async () => {
      for (let at = 0; at < data.length; at += slice) {
        if (pair.client.destroyed) return;
        pair.client.write(data.subarray(at, at + slice));
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
  };

  const openUpstream = (pair: Pair) => {
    const upstream = connect(options.targetPort, targetHost);
    pair.upstream = upstream;
    upstream.on('data', (data: Buffer) => {
      if (isCut) pair.toClient.push(data);
      else writeToClient(pair, data);
    });
    upstream.on('error', () => {});
    upstream.on('close', () => {
      pair.upstreamGone = true;
      if (!isCut) void pair.writing.then(() => pair.client.destroy());
    });
    for (const held of pair.toUpstream.splice(0)) upstream.write(held);
  };

  const server = createServer((client) => {
    accepted += 1;
    const pair: Pair = {
      client,
      upstream: null,
      toUpstream: [],
      toClient: [],
      clientGone: false,
      upstreamGone: false,
      writing: Promise.resolve(),
    };
    pairs.add(pair);
    client.on('data', (data: Buffer) => {
      if (isCut || !pair.upstream) pair.toUpstream.push(data);
      else pair.upstream.write(data);
    });
    client.on('error', () => {});
    client.on('close', () => {
      pair.clientGone = true;
      if (!isCut) {
        pair.upstream?.destroy();
        pairs.delete(pair);
      }
    });
    if (!isCut) openUpstream(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    get isCut() {
      return isCut;
    },
    get accepted() {
      return accepted;
    },
    cut: () => {
      isCut = true;
    },
    restore: () => {
      isCut = false;
      for (const pair of [...pairs]) {
        if (pair.clientGone) {
          // Its packets would now reach a host that forgot the connection: a reset.
          pair.upstream?.destroy();
          pairs.delete(pair);
          continue;
        }
        if (pair.upstreamGone) {
          for (const held of pair.toClient.splice(0)) writeToClient(pair, held);
          void pair.writing.then(() => pair.client.destroy());
          pairs.delete(pair);
          continue;
        }
        if (!pair.upstream) openUpstream(pair);
        else for (const held of pair.toUpstream.splice(0)) pair.upstream.write(held);
        for (const held of pair.toClient.splice(0)) writeToClient(pair, held);
      }
    },
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
