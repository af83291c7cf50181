import type { WorkbenchHardware, WorkbenchLocker } from '../../api/workbench';
import { parseLockerEvent } from '../../live/eventParsing';

/** Parsing of the workbench's SSE payloads and the list of cards; pure, never throws. */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const DOOR_STATES: ReadonlySet<unknown> = new Set(['open', 'closed', 'unknown']);

function isHardware(value: unknown): value is WorkbenchHardware {
  return (
    isRecord(value) &&
    typeof value.lockerId === 'string' &&
    DOOR_STATES.has(value.door) &&
    typeof value.relayEnergised === 'boolean' &&
    typeof value.objectPresent === 'boolean' &&
    (value.distanceCm === null || typeof value.distanceCm === 'number') &&
    (value.network === 'up' || value.network === 'cut') &&
    typeof value.connected === 'boolean' &&
    typeof value.queued === 'number' &&
    typeof value.lockdown === 'boolean' &&
    isRecord(value.supports)
  );
}

/** SSE `workbench`: one card; `undefined` when the payload is not one. */
export function parseWorkbenchEvent(data: string): WorkbenchLocker | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (
    !isRecord(value) ||
    typeof value.id !== 'string' ||
    !Number.isSafeInteger(value.revision) ||
    !isHardware(value.hardware)
  ) {
    return undefined;
  }
  const locker = value.locker === null ? null : parseLockerEvent(JSON.stringify(value.locker));
  if (locker === undefined) return undefined;
  return { id: value.id, revision: value.revision as number, locker, hardware: value.hardware };
}

/**
 * Replaces the card of the same locker in place, or appends a new one. An older card than the
 * one shown (an action's answer overtaken by a stream event) changes nothing.
 */
export function mergeCard(cards: readonly WorkbenchLocker[], card: WorkbenchLocker): WorkbenchLocker[] {
  const index = cards.findIndex((c) => c.id === card.id);
  if (index < 0) return [...cards, card];
  if ((cards[index]?.revision ?? 0) > card.revision) return cards as WorkbenchLocker[];
  const next = [...cards];
  next[index] = card;
  return next;
}

/** The network as a person would describe it: cut by hand, reconnecting, or up. */
export function networkState(hardware: WorkbenchHardware): 'cut' | 'connecting' | 'up' {
  if (hardware.network === 'cut') return 'cut';
  return hardware.connected ? 'up' : 'connecting';
}
