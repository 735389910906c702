import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import { FailureType } from '../../src/failures';
import type { FailedState } from '../../src/sandbox';

/**
 * The fault plan of one chaos run, drawn from one seed: what the sandbox does to each conversion,
 * and which process faults happen when. The same seed and sizes give the same plan; only the
 * machine's timing differs between runs.
 */

export type CallbackFault = 'deliver' | 'drop' | 'triple' | 'receiver-down';
export type DownloadFault = 'clean' | 'cut' | 'expired' | 'provider-failure';

/** How a provider failure reads, and the failure type each reading must end with (README's outcome table). */
export interface PlannedFailure {
  state: FailedState;
  callbackCode: number;
  /** The type when the failure callback decided the outcome. */
  byCallback: FailureType;
  /** The type when a record-info poll decided it. */
  byPoll: FailureType;
}

export interface ConversionPlan {
  index: number;
  conversionId: string;
  audioId: string;
  wavSeconds: number;
  conversionDelayMs: number;
  /** How fast the sandbox serves the file: slow enough that a kill can land mid-download. */
  bytesPerSecond: number;
  callback: CallbackFault;
  download: DownloadFault;
  /** With `cut`: the share of the file sent before the connection drops. */
  cutAfterFraction?: number;
  /** With `provider-failure`. */
  failure?: PlannedFailure;
}

export type FaultKind = 'worker-kill' | 'http-restart' | 'temporal-restart' | ClusterFaultKind;
/** Faults only a Temporal cluster can have (bench/chaos/cluster-faults.ts). */
export type ClusterFaultKind = 'history-node-kill' | 'temporal-kill' | 'postgres-restart';

export interface FaultEvent {
  kind: FaultKind;
  /**
   * Fires once this share of the conversions has been started: while the rest are still being
   * started, and those before them are in every phase of their work.
   */
  afterShare: number;
  /** worker-kill: which of the two workers. */
  worker?: number;
  /** history-node-kill: which history node (0-based). */
  node?: number;
  /** Restarts: how long the process stays down before it is started again. */
  downMs?: number;
}

export interface PlanOptions {
  seed: number;
  conversions: number;
  workerKills: number;
  httpRestarts: number;
  temporalRestarts: number;
  /** On a cluster: SIGKILLs of one history node, of every Temporal process, and immediate PostgreSQL restarts. */
  historyNodeKills?: number;
  temporalKills?: number;
  postgresRestarts?: number;
}

export interface FaultPlan extends PlanOptions {
  items: ConversionPlan[];
  events: FaultEvent[];
}

/** Shares of the conversions, as the issue states them. Each is an exact count, not a coin toss. */
export const SHARES = {
  callback: { drop: 0.3, triple: 0.2, 'receiver-down': 0.1 },
  download: { cut: 0.1, expired: 0.05, 'provider-failure': 0.05 },
} as const;

const FAILURES: readonly PlannedFailure[] = [
  { state: 'GENERATE_WAV_FAILED', callbackCode: 500, byCallback: FailureType.ProviderConversionError, byPoll: FailureType.GenerateWavFailed },
  { state: 'CREATE_TASK_FAILED', callbackCode: 400, byCallback: FailureType.SourceRejected, byPoll: FailureType.CreateTaskFailed },
  { state: 'GENERATE_AUDIO_FAILED', callbackCode: 451, byCallback: FailureType.SourceDownloadFailed, byPoll: FailureType.GenerateWavFailed },
  { state: 'CALLBACK_EXCEPTION', callbackCode: 501, byCallback: FailureType.ProviderConversionError, byPoll: FailureType.CallbackException },
];

/** A seeded source of the few kinds of numbers the plan needs. */
export class Random {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.rng);
  }

  /** Uniform in [min, max), in steps of 1/1,000,000 of the range. */
  real(min: number, max: number): number {
    return min + ((max - min) * this.int(0, 999_999)) / 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** `n` labels: each share rounded to a count, the rest `fallback`, in a shuffled order. */
function assign<K extends string>(random: Random, n: number, shares: Partial<Record<K, number>>, fallback: K): K[] {
  const labels: K[] = [];
  for (const [label, share] of Object.entries(shares) as Array<[K, number]>) labels.push(...Array<K>(Math.round(n * share)).fill(label));
  while (labels.length < n) labels.push(fallback);
  return random.shuffle(labels.slice(0, n));
}

export function makePlan(options: PlanOptions): FaultPlan {
  const random = new Random(options.seed);
  const n = options.conversions;
  const callbacks = assign<CallbackFault>(random, n, SHARES.callback, 'deliver');
  const downloads = assign<DownloadFault>(random, n, SHARES.download, 'clean');
  const items = Array.from({ length: n }, (_, index): ConversionPlan => {
    const download = downloads[index] as DownloadFault;
    return {
      index,
      conversionId: `chaos-${index}`,
      audioId: `chaos-audio-${index}`,
      // 8 KiB to 350 KiB of 16-bit stereo 44.1 kHz: small files, many of them.
      wavSeconds: Math.round(random.real(0.05, 2) * 1000) / 1000,
      conversionDelayMs: random.int(200, 3_000),
      bytesPerSecond: random.int(256, 1024) * 1024,
      callback: callbacks[index] as CallbackFault,
      download,
      ...(download === 'cut' ? { cutAfterFraction: Math.round(random.real(0.1, 0.9) * 100) / 100 } : {}),
      ...(download === 'provider-failure' ? { failure: random.pick(FAILURES) } : {}),
    };
  });
  const events: FaultEvent[] = [
    ...Array.from({ length: options.workerKills }, (): FaultEvent => ({ kind: 'worker-kill', afterShare: 0, worker: random.int(0, 1) })),
    ...Array.from({ length: options.httpRestarts }, (): FaultEvent => ({ kind: 'http-restart', afterShare: 0, downMs: random.int(500, 3_000) })),
    ...Array.from({ length: options.temporalRestarts }, (): FaultEvent => ({ kind: 'temporal-restart', afterShare: 0, downMs: random.int(1_000, 4_000) })),
    // Drawn after the dev server's faults, so a seed gives the same plan there as before.
    ...Array.from({ length: options.historyNodeKills ?? 0 }, (): FaultEvent => ({ kind: 'history-node-kill', afterShare: 0, node: random.int(0, 1) })),
    ...Array.from({ length: options.temporalKills ?? 0 }, (): FaultEvent => ({ kind: 'temporal-kill', afterShare: 0, downMs: random.int(1_000, 4_000) })),
    ...Array.from({ length: options.postgresRestarts ?? 0 }, (): FaultEvent => ({ kind: 'postgres-restart', afterShare: 0, downMs: random.int(1_000, 4_000) })),
  ];
  // Moments spread over the starts (faults happen one after the other, in this order).
  for (const event of events) event.afterShare = Math.round(random.real(0.1, 0.9) * 1000) / 1000;
  events.sort((a, b) => a.afterShare - b.afterShare);
  return { ...options, items, events };
}

/** The sandbox scenario that carries out a conversion's plan. */
export function scenarioFor(item: ConversionPlan) {
  return {
    wavSeconds: item.wavSeconds,
    conversionDelayMs: item.conversionDelayMs,
    throttleBytesPerSecond: item.bytesPerSecond,
    ...(item.callback === 'drop' ? { callback: 'drop' as const } : {}),
    ...(item.callback === 'triple' ? { callbackCopies: 3 } : {}),
    ...(item.download === 'cut' ? { cutAfterFraction: item.cutAfterFraction, cuts: 1 } : {}),
    // The callback's URL is the first one handed out, record-info's the next: expire every URL
    // up to the first one a download can use, so the first download meets an expired link.
    ...(item.download === 'expired' ? { expiredUrls: item.callback === 'drop' ? 1 : 2 } : {}),
    ...(item.failure ? { failure: { state: item.failure.state, callbackCode: item.failure.callbackCode } } : {}),
  };
}
