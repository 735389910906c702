import type { ConversionStatus, Phase } from '../workflows';

/**
 * The last `status` query answer of each conversion an API process was asked about, so that a
 * client polling `GET /v1/conversions/:id` pays a query (a billable action, and a round trip to a
 * worker) when the conversion enters a new phase, not on every poll.
 *
 * An answer is reused while the conversion is in the same run and phase (read from describe: the
 * WavStatus search attribute). Within a phase only counters move (polls, callbacks); a caller that
 * wants them fresher passes `maxAgeMs`, and an older answer is then replaced once the history has
 * grown. An unchanged history always keeps the answer: the workflow's state only changes in
 * workflow tasks, which write history.
 */
export class StatusCache {
  private readonly entries = new Map<string, CachedStatus>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached answer for this conversion as `current` describes it, if still good. */
  get(conversionId: string, current: StatusKey, maxAgeMs = Infinity): CachedStatus | undefined {
    const entry = this.entries.get(conversionId);
    if (!entry || entry.runId !== current.runId || entry.phase !== current.phase) return undefined;
    if (entry.historyLength !== current.historyLength && this.now() - entry.queriedAtMs >= maxAgeMs) return undefined;
    // Most recently used last: the first entry is the one to drop.
    this.entries.delete(conversionId);
    this.entries.set(conversionId, entry);
    return entry;
  }

  /** `queriedAtMs`: when the answer was asked for, as the caller told its own client. */
  set(conversionId: string, key: StatusKey, status: ConversionStatus, queriedAtMs = this.now()): CachedStatus {
    const entry = { ...key, status, queriedAtMs };
    this.entries.delete(conversionId);
    this.entries.set(conversionId, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }
}

/** What describe says about a conversion, which decides whether a cached answer still holds. */
export interface StatusKey {
  runId: string;
  phase: Phase;
  historyLength: number;
}

export interface CachedStatus extends StatusKey {
  status: ConversionStatus;
  queriedAtMs: number;
}
