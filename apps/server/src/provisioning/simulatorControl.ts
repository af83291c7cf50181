import { type RunningAgent, SimulatedHal } from '@smartlocker/agent';
import type { DoorState } from '@smartlocker/protocol';
import { AppError } from '../services/AppError';

/** What a person can do to a simulated locker's hardware on the workbench (issue 3, "Simulator"). */
export type WorkbenchAction = 'door' | 'object' | 'badge' | 'network';
export const WORKBENCH_ACTIONS: readonly WorkbenchAction[] = ['door', 'object', 'badge', 'network'];

/** One simulated locker as the simulator sees it (not as the server believes it). */
export interface WorkbenchHardware {
  lockerId: string;
  /** The door as it physically is. */
  door: DoorState;
  relayEnergised: boolean;
  /** Something lies in the locker (what the distance sensor will see). */
  objectPresent: boolean;
  /** What the distance sensor measures, in cm; null is "no echo". */
  distanceCm: number | null;
  /** The locker's network: `cut` between a cut and a restore on the workbench. */
  network: 'up' | 'cut';
  /** The agent's broker session is up and its offline backlog delivered. */
  connected: boolean;
  /** Events and acks the agent keeps on disk until the network is back. */
  queued: number;
  /** The lockdown as the device itself enforces it (SPEC §2). */
  lockdown: boolean;
  /** Which actions this simulator supports; the others answer 501 `not_supported`. */
  supports: Record<WorkbenchAction, boolean>;
}

/**
 * The one adapter between the workbench and the agents' simulator control surface, so that the
 * routes and the web app never depend on the agent's method names.
 */
export interface SimulatorControl {
  list(): WorkbenchHardware[];
  /** Throws 404 `unknown_locker` for a locker that is not simulated in this process. */
  get(lockerId: string): WorkbenchHardware;
  /** Opens or closes the door by hand, whatever the strike says (a forced door is an intrusion). */
  setDoor(lockerId: string, door: 'open' | 'closed'): void;
  /** Puts an object in the locker or takes it out (what the distance sensor measures). */
  setObject(lockerId: string, present: boolean): void;
  /** Presents a badge (card UID in hex) to the RC522 reader. */
  presentBadge(lockerId: string, uid: string): void;
  /** Cuts the locker's network (the broker fires its last will) or restores it. */
  setNetwork(lockerId: string, connected: boolean): void;
  /** Called with a locker id whenever its simulated hardware or its agent changed. Returns an unsubscribe. */
  onChange(listener: (lockerId: string) => void): () => void;
}

/** Every action maps onto the agent's control surface (SimulatedHal and RunningAgent). */
const SUPPORTS: Record<WorkbenchAction, boolean> = { door: true, object: true, badge: true, network: true };

/** A running agent and its simulated hardware. */
interface Simulated {
  agent: RunningAgent;
  hal: SimulatedHal;
}

/**
 * Over the simulated agents this process runs. `agents` is read on each call, so agents started
 * after this control was made are seen too; only those with a SimulatedHal are listed.
 */
export function createSimulatorControl(agents: readonly RunningAgent[]): SimulatorControl {
  const listeners = new Set<(lockerId: string) => void>();
  const wired = new WeakSet<SimulatedHal>();
  const notify = (lockerId: string) => {
    for (const listener of listeners) listener(lockerId);
  };

  function simulated(): Simulated[] {
    const found: Simulated[] = [];
    for (const agent of agents) {
      const hal: unknown = agent.hal;
      if (!(hal instanceof SimulatedHal)) continue;
      found.push({ agent, hal });
      if (wired.has(hal)) continue;
      wired.add(hal);
      hal.onDoorChange(() => notify(agent.lockerId));
      hal.onRelayChange(() => notify(agent.lockerId));
      agent.onChange(() => notify(agent.lockerId));
    }
    return found;
  }

  function find(lockerId: string): Simulated {
    const found = simulated().find(({ agent }) => agent.lockerId === lockerId);
    if (!found) throw new AppError(404, 'unknown_locker', `${lockerId} is not a simulated locker of this server.`);
    return found;
  }

  function snapshot({ agent, hal }: Simulated): WorkbenchHardware {
    const device = agent.snapshot();
    const physical = hal.snapshot();
    return {
      lockerId: agent.lockerId,
      door: physical.door,
      relayEnergised: physical.relayEnergised,
      objectPresent: physical.objectPresent,
      distanceCm: physical.distanceCm,
      network: agent.networkUp ? 'up' : 'cut',
      connected: agent.connected,
      queued: device.queued,
      lockdown: device.lockdown.active,
      supports: { ...SUPPORTS },
    };
  }

  return {
    list: () => simulated().map(snapshot),
    get: (lockerId) => snapshot(find(lockerId)),
    setDoor: (lockerId, door) => {
      find(lockerId).hal.setDoor(door);
    },
    setObject: (lockerId, present) => {
      const { agent, hal } = find(lockerId);
      hal.setObjectPresent(present);
      // The sensor is only read on its own schedule: tell the workbench the physical fact now.
      notify(agent.lockerId);
    },
    presentBadge: (lockerId, uid) => {
      find(lockerId).hal.presentBadge(uid);
    },
    setNetwork: (lockerId, connected) => {
      find(lockerId).agent.setNetwork(connected);
    },
    onChange: (listener) => {
      simulated();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
