/**
 * The lockers' routine telemetry kept in memory (issue 13: "telemetry costs no database write per
 * message"). A heartbeat (every 30 s) or a presence report (every 10 s) that changes nothing the
 * database holds — same firmware and counters, same object presence, the locker already known
 * online — is not written: its instant, distance and sequence wait here, and `takeUnflushed`
 * hands to one batched statement, at each availability sweep (at most 15 s apart), the lockers
 * whose stored last-seen instant is older than `refreshAfterMs` (what the silence detection reads)
 * or whose distance moved. Anything that changes a fact goes to the database at once, as before.
 *
 * What is remembered is what this instance last wrote or read back as written. It is forgotten
 * whenever this instance sees the locker change by another path (status, state, the sweep), and
 * it goes stale: a locker not heard for `staleAfterMs` takes the full path again, so a locker that
 * another instance marked offline meanwhile is written online again by its next report.
 */
export interface HeartbeatFacts {
  firmware: string;
  opensCount: number;
  relayCycles: number;
}

interface Remembered extends HeartbeatFacts {
  /** Undefined until this instance wrote a presence (null is a sensor without an echo). */
  objectPresent: boolean | null | undefined;
  presenceSeq: number;
  heardAt: number;
}

export interface UnflushedTelemetry {
  lockerId: string;
  seenAt: Date;
  /** Set when a presence report was kept here: its sequence and distance. */
  presenceSeq: number | null;
  distanceCm: number | null;
}

export class TelemetryMemory {
  readonly #lockers = new Map<string, Remembered>();
  readonly #unflushed = new Map<string, UnflushedTelemetry>();
  /** What this instance last wrote of each locker's last-seen instant and distance. */
  readonly #written = new Map<string, { seenAt: number; distanceCm: number | null }>();

  constructor(
    private readonly staleAfterMs: number,
    private readonly refreshAfterMs: number = staleAfterMs,
  ) {}

  #fresh(lockerId: string, at: number): Remembered | null {
    const remembered = this.#lockers.get(lockerId);
    if (!remembered) return null;
    if (at - remembered.heardAt > this.staleAfterMs) {
      this.#lockers.delete(lockerId);
      return null;
    }
    return remembered;
  }

  /** True when the heartbeat repeats what the database holds: it is then kept here only. */
  keepHeartbeat(lockerId: string, facts: HeartbeatFacts, at: Date): boolean {
    const remembered = this.#fresh(lockerId, at.getTime());
    if (
      !remembered ||
      remembered.firmware !== facts.firmware ||
      remembered.opensCount !== facts.opensCount ||
      remembered.relayCycles !== facts.relayCycles
    ) {
      return false;
    }
    remembered.heardAt = at.getTime();
    this.#seen(lockerId, at, null, null);
    return true;
  }

  /** The heartbeat was written (the locker is online in the database with these facts). */
  wroteHeartbeat(lockerId: string, facts: HeartbeatFacts, at: Date): void {
    const previous = this.#lockers.get(lockerId);
    this.#written.set(lockerId, { seenAt: at.getTime(), distanceCm: this.#written.get(lockerId)?.distanceCm ?? null });
    this.#lockers.set(lockerId, {
      ...facts,
      objectPresent: previous?.objectPresent,
      presenceSeq: previous?.presenceSeq ?? 0,
      heardAt: at.getTime(),
    });
  }

  /**
   * A presence report: `duplicate` when this instance already took a newer one, `kept` when it
   * only moves the distance (kept here), `write` when it must go to the database.
   */
  presence(lockerId: string, seq: number, objectPresent: boolean | null, distanceCm: number | null, at: Date) {
    const remembered = this.#fresh(lockerId, at.getTime());
    if (!remembered) return 'write' as const;
    if (seq <= remembered.presenceSeq) return 'duplicate' as const;
    if (remembered.objectPresent === undefined || remembered.objectPresent !== objectPresent) return 'write' as const;
    remembered.presenceSeq = seq;
    remembered.heardAt = at.getTime();
    this.#seen(lockerId, at, seq, distanceCm);
    return 'kept' as const;
  }

  /** The presence report was written with this sequence. */
  wrotePresence(
    lockerId: string,
    seq: number,
    objectPresent: boolean | null,
    distanceCm: number | null,
    at: Date,
  ): void {
    this.#written.set(lockerId, { seenAt: at.getTime(), distanceCm });
    const remembered = this.#lockers.get(lockerId);
    if (!remembered) return;
    remembered.presenceSeq = Math.max(remembered.presenceSeq, seq);
    remembered.objectPresent = objectPresent;
    remembered.heardAt = at.getTime();
  }

  /** The locker's row changed by another path: the next report takes the full path. */
  forget(lockerId: string): void {
    this.#lockers.delete(lockerId);
    this.#written.delete(lockerId);
  }

  forgetAll(): void {
    this.#lockers.clear();
    this.#written.clear();
  }

  /**
   * What must be written now, forgotten here: `written` confirms it once stored, `restore` hands
   * it back if the write failed. A locker whose stored instant is recent enough and whose
   * distance did not move waits for a later sweep (only its latest report is kept).
   */
  takeUnflushed(): UnflushedTelemetry[] {
    const due: UnflushedTelemetry[] = [];
    for (const entry of this.#unflushed.values()) {
      const written = this.#written.get(entry.lockerId);
      const moved = entry.presenceSeq !== null && entry.distanceCm !== (written?.distanceCm ?? null);
      if (!written || moved || entry.seenAt.getTime() - written.seenAt >= this.refreshAfterMs) due.push(entry);
    }
    for (const entry of due) this.#unflushed.delete(entry.lockerId);
    return due;
  }

  written(entries: readonly UnflushedTelemetry[]): void {
    for (const entry of entries) {
      const previous = this.#written.get(entry.lockerId);
      this.#written.set(entry.lockerId, {
        seenAt: entry.seenAt.getTime(),
        distanceCm: entry.presenceSeq !== null ? entry.distanceCm : (previous?.distanceCm ?? null),
      });
    }
  }

  restore(entries: readonly UnflushedTelemetry[]): void {
    for (const entry of entries) {
      if (!this.#unflushed.has(entry.lockerId)) this.#unflushed.set(entry.lockerId, entry);
    }
  }

  #seen(lockerId: string, at: Date, presenceSeq: number | null, distanceCm: number | null): void {
    const previous = this.#unflushed.get(lockerId);
    const keepsPresence = presenceSeq === null && previous && previous.presenceSeq !== null;
    this.#unflushed.set(lockerId, {
      lockerId,
      seenAt: at,
      presenceSeq: keepsPresence ? previous.presenceSeq : presenceSeq,
      distanceCm: keepsPresence ? previous.distanceCm : distanceCm,
    });
  }
}
