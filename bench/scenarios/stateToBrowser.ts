/**
 * Scenario 2 of `npm run bench` (issue 13): a door change on a locker → the `locker` event on
 * the event stream of every member paired to it, with `clients` streams open.
 *
 * The server runs in this process (the whole stack as `npm start` runs it, with its simulated
 * lockers); the streams are held by a child process (support/sseClients.ts) so that reading
 * them does not slow the server down. Each member is a real account with a real session
 * (support/members.ts), paired to the school locker through HTTP.
 *
 * A change is the simulated person opening or closing the door during a pulse (an open the
 * server sends), so no intrusion alert rides along with it: the time of the change is the
 * simulated hardware's own (its door listener), and each sample is one client's first `locker`
 * event carrying the new door after it.
 */
import { SimulatedHal } from '@smartlocker/agent';
import type { DatabaseBackend } from '../../test-support/backends';
import { EMBEDDED_BROKER } from '../../test-support/backends';
import { startTestSystem } from '../../test-support/system';
import { endChild, forkTs, nextMessage } from '../support/childProcess';
import { createSignedInMembers, pairAll, waitForLockersOnline } from '../support/members';
import { type Quantiles, quantiles } from './stats';

export interface StateToBrowserResult {
  state_to_browser_ms: Quantiles;
  clients: number;
  door_changes: number;
  /** Deliveries expected (clients × changes) that never arrived. */
  missed: number;
}

export interface StateToBrowserOptions {
  database: DatabaseBackend;
  clients: number;
  /** Each open gives two door changes (opened, closed). The locker allows 5 opens a minute (SPEC §2). */
  opens: number;
}

const PULSE_GAP_MS = 5_000;
const LAST_CHANGE_MS = 2_500;
const wallNow = () => performance.timeOrigin + performance.now();

export async function stateToBrowser(options: StateToBrowserOptions): Promise<StateToBrowserResult> {
  const system = await startTestSystem(options.database, EMBEDDED_BROKER);
  const clients = forkTs('support/sseClients.ts');
  try {
    const schoolId = system.lockerIds.school;
    const agent = system.agents.find((a) => a.lockerId === schoolId);
    if (!agent || !(agent.hal instanceof SimulatedHal)) throw new Error('no simulated school locker');
    for (const a of system.agents) if (a.hal instanceof SimulatedHal) a.hal.setAutoPerson(false);
    await waitForLockersOnline(system, 2);

    const members = await createSignedInMembers({
      database: system.database,
      baseUrl: system.url,
      dataDir: system.dataDirPath,
      count: options.clients,
      tag: 'sse',
    });
    await pairAll(members, system.codes.school);
    const ready = nextMessage<{ opened: number }>(
      clients,
      (m) => m.type === 'ready',
      60_000 + options.clients * 30,
      'opening the event streams',
    );
    clients.send({ type: 'open', url: system.url, cookies: members.map((m) => m.cookie) });
    await ready;

    const hal = agent.hal;
    // The person pushes the door 300 ms into the 4 s pulse and closes it 1.5 s later: both changes
    // fall inside the pulse's grace, so neither is an intrusion.
    hal.setAutoPerson({ autoOpenAfterMs: 300, autoCloseAfterMs: 1_500 });
    const changes: { at: number; door: string }[] = [];
    const stopListening = hal.onDoorChange((door) => changes.push({ at: wallNow(), door }));
    for (let i = 0; i < options.opens; i++) {
      await system.gateway.sendCommand(schoolId, 'open', { kind: 'admin', ref: 'bench' }, null);
      // The next open after the pulse is over (a pulse in progress refuses it: `busy`); after the
      // last, only until the door has closed again.
      await new Promise((resolve) => setTimeout(resolve, i === options.opens - 1 ? LAST_CHANGE_MS : PULSE_GAP_MS));
    }
    stopListening();
    hal.setAutoPerson(false);

    const { events } = await (async () => {
      const answer = nextMessage<{ events: [number, number, string][] }>(
        clients,
        (m) => m.type === 'events',
        30_000,
        'collecting the events',
      );
      clients.send({ type: 'collect' });
      return answer;
    })();
    const perClient = new Map<number, [number, string][]>();
    for (const [client, at, door] of events) {
      const list = perClient.get(client) ?? [];
      list.push([at, door]);
      perClient.set(client, list);
    }
    const samples: number[] = [];
    let missed = 0;
    for (let c = 0; c < options.clients; c++) {
      const received = perClient.get(c) ?? [];
      for (const change of changes) {
        const arrival = received.find(([at, door]) => at >= change.at && door === change.door);
        if (arrival) samples.push(arrival[0] - change.at);
        else missed += 1;
      }
    }
    return {
      state_to_browser_ms: quantiles(samples),
      clients: options.clients,
      door_changes: changes.length,
      missed,
    };
  } finally {
    await endChild(clients);
    await system.dispose();
  }
}
