import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { EventBus } from '../eventBus';
import type { SimulatorControl, WorkbenchHardware } from '../provisioning/simulatorControl';
import type { LockerRepository } from '../repositories/LockerRepository';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import { type LockerView, toLockerView } from '../services/lockerView';
import { readJsonBody } from './requestBody';

/**
 * The workbench (development and demo only, issue 3 "Simulator"): the simulated lockers this
 * process runs, and hands on their hardware. Mounted under /api/dev/workbench only when
 * SIMULATED_LOCKERS is on, behind the API's session check.
 */
export interface WorkbenchOptions {
  simulator: SimulatorControl;
  /** The administrator badge seeded in demo mode, offered on the bench; null without one. */
  demoBadgeUid: string | null;
}

export interface WorkbenchDeps extends WorkbenchOptions {
  lockers: LockerRepository;
  bus: EventBus;
  sseKeepAliveMs?: number;
}

/** One card of the workbench: what the server believes (`locker`) beside what the simulator has. */
export interface WorkbenchLocker {
  id: string;
  /**
   * When the card was read, in microseconds, increasing for every card this process reads and
   * across restarts: an action's answer and a stream event can cross on the way to the page, and
   * the page keeps the newer one.
   */
  revision: number;
  locker: LockerView | null;
  hardware: WorkbenchHardware;
}

const LockerIdParam = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/);
const DoorBody = z.object({ state: z.enum(['open', 'closed']) });
const ObjectBody = z.object({ present: z.boolean() });
const BadgeBody = z.object({
  uid: z
    .string()
    .transform((v) => v.replace(/[^0-9a-fA-F]/g, '').toUpperCase())
    .pipe(z.string().regex(/^[0-9A-F]{8,20}$/, 'a card UID: 4 to 10 bytes in hex')),
});
const NetworkBody = z.object({ connected: z.boolean() });

export function createDevRoutes(deps: WorkbenchDeps) {
  const dev = new Hono<{ Variables: { user: UserRow } }>();
  let lastRevision = 0;

  // `hardware` is a snapshot the simulator made just before, and the revision is taken before the
  // database read: a card numbered later reflects at least as much.
  async function card(hardware: WorkbenchHardware): Promise<WorkbenchLocker> {
    lastRevision = Math.max(lastRevision + 1, Date.now() * 1000);
    const revision = lastRevision;
    const found = await deps.lockers.findWithSite(hardware.lockerId);
    return {
      id: hardware.lockerId,
      revision,
      locker: found ? toLockerView(found.locker, found.site) : null,
      hardware,
    };
  }

  function lockerId(raw: string | undefined): string {
    const id = LockerIdParam.safeParse(raw);
    if (!id.success) throw new AppError(404, 'unknown_locker', 'No simulated locker has this id.');
    // Throws 404 for a locker this process does not simulate.
    deps.simulator.get(id.data);
    return id.data;
  }

  dev.get('/', async (c) => {
    return c.json({
      lockers: await Promise.all(deps.simulator.list().map(card)),
      demoBadgeUid: deps.demoBadgeUid,
    });
  });

  dev.post('/lockers/:id/door', async (c) => {
    const id = lockerId(c.req.param('id'));
    const body = await readJsonBody(c.req.raw, DoorBody);
    deps.simulator.setDoor(id, body.state);
    return c.json({ locker: await card(deps.simulator.get(id)) });
  });

  dev.post('/lockers/:id/object', async (c) => {
    const id = lockerId(c.req.param('id'));
    const body = await readJsonBody(c.req.raw, ObjectBody);
    deps.simulator.setObject(id, body.present);
    return c.json({ locker: await card(deps.simulator.get(id)) });
  });

  dev.post('/lockers/:id/badge', async (c) => {
    const id = lockerId(c.req.param('id'));
    const body = await readJsonBody(c.req.raw, BadgeBody);
    deps.simulator.presentBadge(id, body.uid);
    return c.json({ locker: await card(deps.simulator.get(id)) });
  });

  dev.post('/lockers/:id/network', async (c) => {
    const id = lockerId(c.req.param('id'));
    const body = await readJsonBody(c.req.raw, NetworkBody);
    deps.simulator.setNetwork(id, body.connected);
    return c.json({ locker: await card(deps.simulator.get(id)) });
  });

  // Live cards: what the server learns from the lockers (bus) and what changes on the bench.
  // Every card is sent when the stream opens, so a reconnect never misses a change.
  dev.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      let queue = Promise.resolve();
      const send = (id: string) => {
        queue = queue
          .then(async () => {
            const hardware = deps.simulator.list().find((h) => h.lockerId === id);
            if (!hardware) return;
            await stream.writeSSE({ event: 'workbench', data: JSON.stringify(await card(hardware)) });
          })
          .catch(() => stream.abort());
      };
      const unsubscribe = [
        deps.bus.on('locker.changed', ({ locker }) => send(locker.id)),
        deps.simulator.onChange(send),
      ];
      for (const hardware of deps.simulator.list()) send(hardware.lockerId);
      const keepAlive = setInterval(() => {
        queue = queue.then(() => stream.writeSSE({ event: 'ping', data: '{}' })).catch(() => stream.abort());
      }, deps.sseKeepAliveMs ?? 25_000);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(keepAlive);
      for (const off of unsubscribe) off();
    }),
  );

  return dev;
}
