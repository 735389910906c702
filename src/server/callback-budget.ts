/**
 * How many callbacks one conversion may send into Temporal: a token bucket per conversion. Each
 * callback that would signal takes a token; a conversion starts with `burst` tokens and gets one
 * back every `refillSeconds`. A leaked callback URL can then add at most that many signals to a
 * history, whatever it is used for.
 */
export interface CallbackLimit {
  /** Callbacks a conversion may receive at once. */
  burst: number;
  /** After the burst, one more every this many seconds. */
  refillSeconds: number;
}

export type BudgetAnswer = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/** Conversions remembered at most (about 100 bytes each); the least recently seen go first. */
export const MAX_TRACKED_CONVERSIONS = 50_000;

export class CallbackBudget {
  // A Map iterates in insertion order: re-inserting on each use keeps the least recent first.
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillMs: number;

  constructor(
    private readonly limit: CallbackLimit,
    private readonly maxTracked = MAX_TRACKED_CONVERSIONS,
    private readonly now: () => number = Date.now,
  ) {
    this.refillMs = limit.refillSeconds * 1000;
  }

  /** Takes a token for `conversionId`, or says how long until one is back. */
  take(conversionId: string): BudgetAnswer {
    const now = this.now();
    const bucket = this.buckets.get(conversionId);
    const tokens = bucket ? Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) / this.refillMs) : this.limit.burst;
    this.buckets.delete(conversionId);
    const ok = tokens >= 1;
    this.buckets.set(conversionId, { tokens: ok ? tokens - 1 : tokens, at: now });
    // Forgetting a conversion gives it a full budget again: only one that nothing has called back
    // for longer than every other tracked one is forgotten.
    if (this.buckets.size > this.maxTracked) this.buckets.delete(this.buckets.keys().next().value as string);
    return ok ? { ok } : { ok, retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * this.refillMs) / 1000)) };
  }

  /** Conversions currently remembered. */
  get tracked(): number {
    return this.buckets.size;
  }
}
