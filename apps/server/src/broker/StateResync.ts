/**
 * Catches a state report lost between the locker and the server (docs/protocol.md §7 step 7). A
 * PUBACK only says the locker's broker took the report; a cluster node that dies before
 * delivering it, or a bridge that drops, can still lose it, and the server would show the old
 * door or lock until the next change. Every heartbeat names the last state the locker sent
 * (`stateSeq`); when the database has applied an older one, the server asks for the state again.
 *
 * This remembers, per locker, the state sequence this instance knows the database holds, so a
 * heartbeat costs a read only when the locker reported something this instance did not apply,
 * and when it last asked, so a locker is asked at most once per `askEveryMs`.
 */
export class StateResync {
  readonly #stored = new Map<string, number>();
  readonly #askedAt = new Map<string, number>();

  constructor(private readonly askEveryMs = 10_000) {}

  /** The database now holds this state sequence for the locker (claimed or read back). */
  stored(lockerId: string, seq: number): void {
    this.#stored.set(lockerId, seq);
  }

  /** True when the locker's last sent state is known to be applied: nothing to read. */
  upToDate(lockerId: string, sentSeq: number): boolean {
    return sentSeq === 0 || (this.#stored.get(lockerId) ?? -1) >= sentSeq;
  }

  /** True (and remembered) when the locker may be asked now. */
  mayAsk(lockerId: string, now: number): boolean {
    const last = this.#askedAt.get(lockerId);
    if (last !== undefined && now - last < this.askEveryMs) return false;
    this.#askedAt.set(lockerId, now);
    return true;
  }

  /** The stored watermark may have moved back (a device counting anew): read it again next time. */
  forget(lockerId: string): void {
    this.#stored.delete(lockerId);
  }
}
