import type { AdminOverview } from '../../api/adminOverview';
import type { LockerView } from '../../api/types';

/**
 * The panel opens one event stream; the section on screen listens to the part it shows. A feed
 * is a tiny publish/subscribe point between the two.
 */
export interface FleetListener {
  onFleetLocker?(view: LockerView): void;
  onOverview?(overview: AdminOverview): void;
}

export interface FleetFeed {
  subscribe(listener: FleetListener): () => void;
  publishLocker(view: LockerView): void;
  publishOverview(overview: AdminOverview): void;
}

export function createFleetFeed(): FleetFeed {
  const listeners = new Set<FleetListener>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publishLocker(view) {
      for (const listener of listeners) listener.onFleetLocker?.(view);
    },
    publishOverview(overview) {
      for (const listener of listeners) listener.onOverview?.(overview);
    },
  };
}
