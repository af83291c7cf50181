import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor, refusalMessageFor } from '../api/errorMessages';
import type { CommandEvent } from '../api/types';

export type OpenPhase =
  | { phase: 'idle' }
  | { phase: 'sending' }
  | { phase: 'waiting'; commandId: string }
  | { phase: 'accepted'; commandId: string }
  | { phase: 'failed'; code: string; message: string };

/** How long the locker has to acknowledge before we say so (its own freshness window is 10 s). */
const ACK_TIMEOUT_MS = 15_000;
/** How long "opening confirmed" stays on screen. */
const ACCEPTED_VISIBLE_MS = 6_000;

export interface OpenCommand {
  state: OpenPhase;
  /**
   * `send` posts the command (by default the open route); a sport session's Start and Open post
   * their own routes and follow their command the same way.
   */
  open(lockerId: string, send?: (lockerId: string) => Promise<{ commandId: string }>): Promise<void>;
  /** Feed every SSE `command` event here. */
  acknowledge(event: CommandEvent): void;
}

/**
 * "Ouvrir": POST the command (202 + commandId), then wait for the locker's acknowledgement on
 * the event stream. The acknowledgement can overtake the HTTP answer, so early ones are kept.
 */
export function useOpenCommand(onSessionLost: () => void): OpenCommand {
  const [state, setState] = useState<OpenPhase>({ phase: 'idle' });
  const stateRef = useRef(state);
  stateRef.current = state;
  const earlyAcks = useRef(new Map<string, CommandEvent>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const settle = useCallback((next: OpenPhase, clearAfterMs?: number) => {
    clearTimeout(timer.current);
    stateRef.current = next;
    setState(next);
    if (clearAfterMs !== undefined) {
      timer.current = setTimeout(() => {
        stateRef.current = { phase: 'idle' };
        setState(stateRef.current);
      }, clearAfterMs);
    }
  }, []);

  const applyAck = useCallback(
    (event: CommandEvent) => {
      if (event.outcome === 'accepted') {
        settle({ phase: 'accepted', commandId: event.commandId }, ACCEPTED_VISIBLE_MS);
      } else {
        const code = event.reason ?? 'refused';
        settle({ phase: 'failed', code, message: refusalMessageFor(event.reason) });
      }
    },
    [settle],
  );

  const acknowledge = useCallback(
    (event: CommandEvent) => {
      const current = stateRef.current;
      if (current.phase === 'waiting' && current.commandId === event.commandId) {
        applyAck(event);
      } else if (current.phase === 'sending') {
        earlyAcks.current.set(event.commandId, event);
      }
    },
    [applyAck],
  );

  const open = useCallback(
    async (lockerId: string, send: (lockerId: string) => Promise<{ commandId: string }> = api.open) => {
      earlyAcks.current.clear();
      settle({ phase: 'sending' });
      try {
        const { commandId } = await send(lockerId);
        const early = earlyAcks.current.get(commandId);
        earlyAcks.current.clear();
        if (early) {
          applyAck(early);
          return;
        }
        settle({ phase: 'waiting', commandId });
        timer.current = setTimeout(() => {
          const current = stateRef.current;
          if (current.phase === 'waiting' && current.commandId === commandId) {
            settle({ phase: 'failed', code: 'command_timeout', message: messageFor('command_timeout') });
          }
        }, ACK_TIMEOUT_MS);
      } catch (error) {
        const failure = asApiError(error);
        if (failure.code === 'unauthenticated') onSessionLost();
        settle({ phase: 'failed', code: failure.code, message: messageFor(failure.code) });
      }
    },
    [settle, applyAck, onSessionLost],
  );

  useEffect(() => () => clearTimeout(timer.current), []);

  return { state, open, acknowledge };
}
