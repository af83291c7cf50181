import { createHttp, type FetchLike } from './client';
import type { DoorState, LockerView } from './types';

/**
 * The workbench API (development and demo only, issue 3 "Simulator"): the simulated lockers the
 * server runs, and hands on their hardware. The routes exist only when the server simulates
 * lockers (SIMULATED_LOCKERS); elsewhere they answer 404.
 */

export type WorkbenchAction = 'door' | 'object' | 'badge' | 'network';

/** The simulated hardware of one locker, as the simulator has it. */
export interface WorkbenchHardware {
  lockerId: string;
  door: DoorState;
  relayEnergised: boolean;
  objectPresent: boolean;
  distanceCm: number | null;
  network: 'up' | 'cut';
  /** The agent's broker session is up and its offline backlog delivered. */
  connected: boolean;
  /** Events and acks kept on the locker until its network is back. */
  queued: number;
  lockdown: boolean;
  supports: Record<WorkbenchAction, boolean>;
}

/** One card: what the server believes (`locker`, null if unknown to it) beside the hardware. */
export interface WorkbenchLocker {
  id: string;
  /** Increases with every card the server reads: of two cards of one locker, the higher is newer. */
  revision: number;
  locker: LockerView | null;
  hardware: WorkbenchHardware;
}

export interface WorkbenchList {
  lockers: WorkbenchLocker[];
  /** The demo administrator badge, to present on a locker's reader; null without one. */
  demoBadgeUid: string | null;
}

interface CardResponse {
  locker: WorkbenchLocker;
}

/** SSE stream of `workbench` events, one WorkbenchLocker each (all of them first). */
export const WORKBENCH_EVENTS_URL = '/api/dev/workbench/events';

export function createWorkbenchApi(fetchImpl?: FetchLike) {
  const { json } = createHttp(fetchImpl);
  const action = async (lockerId: string, what: WorkbenchAction, body: unknown): Promise<WorkbenchLocker> =>
    (await json<CardResponse>('POST', `/api/dev/workbench/lockers/${encodeURIComponent(lockerId)}/${what}`, body))
      .locker;
  return {
    list: () => json<WorkbenchList>('GET', '/api/dev/workbench'),
    setDoor: (lockerId: string, state: 'open' | 'closed') => action(lockerId, 'door', { state }),
    setObject: (lockerId: string, present: boolean) => action(lockerId, 'object', { present }),
    presentBadge: (lockerId: string, uid: string) => action(lockerId, 'badge', { uid }),
    setNetwork: (lockerId: string, connected: boolean) => action(lockerId, 'network', { connected }),
  };
}

export const workbenchApi = createWorkbenchApi();
