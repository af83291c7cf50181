import type { LockerView } from '../api/types';
import { doorLabel, lockdownLabel, lockLabel, onlineLabel } from '../i18n/lockerLabels';

/**
 * The paired locker as seen live, and the changes seen since the page opened.
 * Pure: the screen feeds it every LockerView it gets (API answers and SSE `locker` events).
 */

export type TimelineKind = 'online' | 'lockdown' | 'lock' | 'door';

export interface TimelineEntry {
  /** Unique within a page's life: the list key. */
  seq: number;
  /** ISO instant the change was seen at (the view's `updatedAt`). */
  at: string;
  kind: TimelineKind;
  /** The raw new value (`open`, `unlocked`, `online`…), for styling and tests. */
  state: string;
  label: string;
}

export interface LockerLiveState {
  locker: LockerView | null;
  /** Newest first, at most TIMELINE_LIMIT entries. */
  timeline: TimelineEntry[];
  nextSeq: number;
}

export type LockerLiveAction = { type: 'view'; view: LockerView; receivedAt: Date } | { type: 'unpaired' };

export const TIMELINE_LIMIT = 12;

export function initialLockerLiveState(locker: LockerView | null): LockerLiveState {
  return { locker, timeline: [], nextSeq: 1 };
}

type Change = Omit<TimelineEntry, 'seq' | 'at'>;

/**
 * The changes from `before` to `after`, oldest first. One view can carry several changes at
 * once; the physical order is: an unlock comes before the door opens, a relock after it closes.
 */
export function changesBetween(before: LockerView, after: LockerView): Change[] {
  const changes: Change[] = [];
  if (before.online !== after.online) {
    changes.push({ kind: 'online', state: after.online ? 'online' : 'offline', label: onlineLabel(after.online) });
  }
  if (before.lockdown !== after.lockdown) {
    changes.push({ kind: 'lockdown', state: String(after.lockdown), label: lockdownLabel(after.lockdown) });
  }
  const lock: Change | null =
    before.lock !== after.lock ? { kind: 'lock', state: after.lock, label: lockLabel(after.lock) } : null;
  const door: Change | null =
    before.door !== after.door ? { kind: 'door', state: after.door, label: doorLabel(after.door) } : null;
  if (lock && after.lock === 'unlocked') changes.push(lock);
  if (door) changes.push(door);
  if (lock && after.lock === 'locked') changes.push(lock);
  return changes;
}

function instantOf(view: LockerView): number {
  return Date.parse(view.updatedAt);
}

function applyView(state: LockerLiveState, view: LockerView, receivedAt: Date): LockerLiveState {
  const current = state.locker;
  // Another locker (or the first one): its history on this page starts now.
  if (!current || current.id !== view.id) return { ...state, locker: view, timeline: [] };
  // An answer and an SSE event can cross; never go back to an older state.
  if (instantOf(view) < instantOf(current)) return state;

  const changes = changesBetween(current, view);
  if (changes.length === 0) return { ...state, locker: view };

  const at = Number.isNaN(instantOf(view)) ? receivedAt.toISOString() : view.updatedAt;
  let seq = state.nextSeq;
  const entries = changes.map((change) => ({ ...change, at, seq: seq++ })).reverse();
  return {
    locker: view,
    timeline: [...entries, ...state.timeline].slice(0, TIMELINE_LIMIT),
    nextSeq: seq,
  };
}

export function lockerLiveReducer(state: LockerLiveState, action: LockerLiveAction): LockerLiveState {
  switch (action.type) {
    case 'view':
      return applyView(state, action.view, action.receivedAt);
    case 'unpaired':
      return { ...state, locker: null, timeline: [] };
  }
}

/** An entry's words in the current language (the entry's own `label` is the one it was seen with). */
export function timelineLabel(entry: Pick<TimelineEntry, 'kind' | 'state'>): string {
  switch (entry.kind) {
    case 'online':
      return onlineLabel(entry.state === 'online');
    case 'lockdown':
      return lockdownLabel(entry.state === 'true');
    case 'lock':
      return lockLabel(entry.state === 'unlocked' ? 'unlocked' : 'locked');
    case 'door':
      return doorLabel(entry.state === 'open' || entry.state === 'closed' ? entry.state : 'unknown');
  }
}
