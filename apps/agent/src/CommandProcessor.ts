import type { KeyObject } from 'node:crypto';
import {
  type Command,
  decodeMessage,
  type RefusalReason,
  type ReplayCache,
  stageTrace,
  type VerifyResult,
  verifyCommand,
} from '@smartlocker/protocol';
import type { Logger } from 'pino';
import type { CommandLedger, CommandResult } from './CommandLedger';
import type { DeviceEnvelopeFactory, OutboundMessage } from './DeviceEnvelope';

export interface CommandProcessorOptions {
  lockerId: string;
  publicKey: KeyObject;
  replayCache: ReplayCache;
  ledger: CommandLedger;
  /**
   * Carries out a verified command (the Controller): calls `acknowledge` once, as soon as the
   * outcome is decided and before publishing its consequences, and returns the same outcome.
   */
  execute: (command: Command, acknowledge: (result: CommandResult) => void) => CommandResult;
  envelopes: DeviceEnvelopeFactory;
  publish: (outbound: OutboundMessage) => void;
  logger: Logger;
  now: () => number;
  /** Commands issued before this instant are refused (docs/protocol.md §5.6). */
  bootTime: number;
}

/** Refusals decided before the signature and the addressee were established say nothing about a known id. */
const UNAUTHENTICATED: ReadonlySet<RefusalReason> = new Set(['bad_signature', 'wrong_locker']);

/**
 * From a payload on the `cmd` topic to exactly one ack (docs/protocol.md §4.1): decode, verify
 * (signature, addressee, 10 s freshness, boot rule, replay cache — SPEC §2 and §12), carry out,
 * remember the outcome, acknowledge. A command id seen before never actuates again; it is
 * answered with the outcome it had the first time and `duplicate: true`.
 */
export class CommandProcessor {
  readonly #options: CommandProcessorOptions;

  constructor(options: CommandProcessorOptions) {
    this.#options = options;
  }

  /** Bad input is logged and dropped: nothing a broker delivers may crash the locker. */
  handlePayload(payload: Uint8Array | string): void {
    const decoded = decodeMessage('cmd', payload);
    if (!decoded.ok) {
      // Without a valid id there is nothing to acknowledge (docs/protocol.md §4.1).
      this.#options.logger.warn({ code: decoded.code, detail: decoded.detail }, 'dropped an undecodable command');
      return;
    }
    this.handle(decoded.message);
  }

  handle(command: Command): void {
    const { logger } = this.#options;
    const verdict = this.#verify(command);
    if (verdict.ok) {
      stageTrace.mark(command.lockerId, 'verified');
      logger.info({ commandId: command.id, type: command.type, origin: command.origin }, 'command verified');
      let acknowledged = false;
      const answer = (result: CommandResult): void => {
        if (acknowledged) return;
        acknowledged = true;
        this.#remember(command, result);
        this.#ack(command, result);
      };
      try {
        // The ack goes out before the state and events the command causes (docs/protocol.md §4.2).
        answer(this.#options.execute(command, answer));
      } catch (error) {
        logger.error({ err: error, commandId: command.id }, 'command failed; the relay is released by the controller');
        // Every command gets an ack, even one that hit a bug.
        answer({ outcome: 'refused', reason: 'hardware_error' });
      }
      return;
    }
    const original = UNAUTHENTICATED.has(verdict.reason) ? undefined : this.#options.ledger.get(command.id);
    if (original) {
      logger.info(
        { commandId: command.id, outcome: original.outcome },
        'duplicate command: acknowledged again, not carried out',
      );
      this.#ack(command, { outcome: original.outcome, reason: original.reason }, true);
      return;
    }
    logger.warn({ commandId: command.id, type: command.type, reason: verdict.reason }, 'command refused');
    this.#ack(command, { outcome: 'refused', reason: verdict.reason }, verdict.reason === 'replayed');
  }

  #verify(command: Command): VerifyResult {
    const { publicKey, lockerId, replayCache, now, bootTime } = this.#options;
    return verifyCommand(command, {
      publicKey,
      lockerId,
      now: now(),
      replayCache,
      // The replay cache survives restarts on disk; the boot rule is the backstop for a lost
      // state directory (docs/protocol.md §5.6).
      notIssuedBefore: bootTime,
    });
  }

  #remember(command: Command, result: CommandResult): void {
    try {
      this.#options.ledger.record(command.id, command.type, result, this.#options.now());
    } catch (error) {
      // The replay cache already guarantees no second actuation; only a later duplicate's answer suffers.
      this.#options.logger.error({ err: error, commandId: command.id }, 'could not record the command outcome');
    }
  }

  #ack(command: Command, result: CommandResult, duplicate = false): void {
    const outbound: OutboundMessage = {
      channel: 'ack',
      message: {
        ...this.#options.envelopes.next(),
        commandId: command.id,
        commandType: command.type,
        outcome: result.outcome,
        ...(result.reason ? { reason: result.reason } : {}),
        ...(duplicate ? { duplicate: true } : {}),
      },
    };
    try {
      this.#options.publish(outbound);
    } catch (error) {
      this.#options.logger.error({ err: error, commandId: command.id }, 'could not publish the ack');
    }
  }
}
