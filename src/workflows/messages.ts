import { defineQuery, defineSignal, type Sinks } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { DownloadResult } from '../activities/types';
import type { ProviderCallback } from '../provider/types';

/** The one definition of every message a conversion understands; server, client and CLI import these. */

export interface ConversionInput {
  /** The source music-generation task id (provider's `taskId`). */
  taskId?: string;
  /** The source track id (provider's `audioId`). */
  audioId?: string;
  /** Delay between record-info polls while no callback has answered: 5 s to 1 h, default 30 s (bounds in ./input). */
  pollIntervalMs?: number;
  /** Overall wait for a terminal answer before ConversionTimedOut: at most 7 days, default 1 h. */
  deadlineMs?: number;
  /**
   * Confirm each callback with one record-info call: a success downloads the URL record-info
   * gives, so a leaked callback URL cannot inject a download URL; a failure stands only when
   * record-info agrees (runs started on 0.2 or later). Default true.
   */
  confirmCallbacks?: boolean;
  /** Continue-as-new once the history has this many events. Default 5,000 (Temporal warns at 10,240). */
  historyEventLimit?: number;
  /**
   * Heartbeat timeout of the download: a worker that dies mid-download is noticed after this
   * long and another attempt resumes the file. Default 30 s; the activity heartbeats every second.
   */
  downloadHeartbeatTimeoutMs?: number;
  /** Start-to-close timeout of one provider call (submit, record-info). Default 1 min. */
  providerCallTimeoutMs?: number;
  /** Who started it (api, cli, code, demo), shown in the Temporal UI. */
  startedBy?: string;
  /** Set by continue-as-new: the state of the previous run, carried over. A start that brings it is refused. */
  carried?: ConversionStatus;
  /** Set by a continue-as-new during the download: what the next run downloads. Only with `carried`. */
  carriedDownload?: CarriedDownload;
}

/** A download a run handed to the next one: the URL record-info (or the callback) gave. */
export interface CarriedDownload {
  url: string;
  /** What the stopped attempt kept (runs started on 0.2 or later): the next run's download resumes from it. */
  resume?: unknown;
}

export const DEFAULT_POLL_INTERVAL_MS = 30_000;
export const DEFAULT_DEADLINE_MS = 60 * 60_000;
export const DEFAULT_HISTORY_EVENT_LIMIT = 5_000;
export const DEFAULT_DOWNLOAD_HEARTBEAT_TIMEOUT_MS = 30_000;
export const DEFAULT_PROVIDER_CALL_TIMEOUT_MS = 60_000;
/**
 * The backoff of provider calls: 2 s, doubling, at most 2 min. The workflow's retry policy applies
 * it to calls that fail without a delay of their own (a timeout, a lost worker); a provider refusal
 * (rate limit, outage) brings its own delay, jittered, from PROVIDER_RETRY_BASE_MS and
 * PROVIDER_RETRY_MAX_MS, whose defaults these are.
 */
export const PROVIDER_BACKOFF = { initialMs: 2_000, maximumMs: 120_000 } as const;
/** A URL that keeps expiring is refreshed through record-info at most this many times. */
export const MAX_URL_REFRESHES = 3;

export interface ConversionResult extends DownloadResult {
  wavTaskId: string;
  answeredBy: AnswerSource;
}

/** A conversion's phases, in order; the API's and the CLI's `status` filters take these. */
export const PHASES = ['submitting', 'waiting', 'downloading', 'completed', 'failed', 'cancelled'] as const;
export type Phase = (typeof PHASES)[number];
/** The phases a conversion ends in; Temporal's execution status says them too (see ./phase-query). */
export const CLOSING_PHASES = ['completed', 'failed', 'cancelled'] as const satisfies readonly Phase[];
export const isClosingPhase = (phase: Phase): boolean => (CLOSING_PHASES as readonly Phase[]).includes(phase);
export type AnswerSource = 'callback' | 'poll';

/** A callback that did not decide the outcome, kept (bounded) so an operator can see it. */
export interface IgnoredCallback {
  reason: 'other-task' | 'after-outcome' | 'no-url';
  taskId: string;
  code: number;
  msg: string;
  at: string;
}

/** A callback whose signature was valid but whose body did not validate. */
export interface MalformedCallback {
  /** The raw body, truncated to MAX_MALFORMED_BODY_BYTES by the receiver. */
  body: string;
  error: string;
}
export const MAX_MALFORMED_BODY_BYTES = 16 * 1024;

export interface ConversionStatus {
  conversionId: string;
  phase: Phase;
  /** Every phase entered, in order, so a watcher that looks now and then misses none. */
  phases: Array<{ phase: Phase; at: string }>;
  taskId?: string;
  audioId?: string;
  wavTaskId?: string;
  /** True when the provider answered 409 and its earlier WAV task was adopted. */
  adopted?: boolean;
  callbacks: {
    received: number;
    /** Copies that came after the outcome was known (duplicates and late ones). */
    duplicates: number;
    /** Callbacks for another task id. */
    mismatched: number;
    /** Success callbacks without a URL. */
    withoutUrl: number;
    malformed: number;
  };
  /** The last few ignored callbacks, newest last. */
  ignoredCallbacks: IgnoredCallback[];
  /** The last few malformed callbacks (error and the first KiB of the body). */
  malformedCallbacks: Array<MalformedCallback & { at: string }>;
  polls: number;
  downloadAttempts: number;
  urlRefreshes: number;
  /** Runs of this conversion (continue-as-new adds one). */
  runs: number;
  startedAt: string;
  deadlineAt: string;
  nextPollAt?: string;
  answeredAt?: string;
  answeredBy?: AnswerSource;
  completedAt?: string;
  result?: ConversionResult;
  failure?: { type: string; message: string };
}

/** Sent by the callback receiver with the normalized body. */
export const providerCallbackSignal = defineSignal<[ProviderCallback]>('providerCallback');
/** Sent by the callback receiver for an authentic callback whose body did not validate. */
export const malformedCallbackSignal = defineSignal<[MalformedCallback]>('malformedCallback');
export const statusQuery = defineQuery<ConversionStatus>('status');

/*
 * The search attributes a conversion keeps, named in code for what they hold. Their registered
 * names stay as first registered: they are on every namespace wavflow was set up on, in recorded
 * histories (each upsert) and in saved list queries, so a new name would hide older conversions.
 */
/** The provider's WAV task id (`wavTaskId`), registered as `WavProviderTaskId`. */
export const WavTaskIdAttribute = defineSearchAttributeKey('WavProviderTaskId', SearchAttributeType.KEYWORD);
/** The source audio id, registered as `WavAudioId`. */
export const AudioIdAttribute = defineSearchAttributeKey('WavAudioId', SearchAttributeType.KEYWORD);
/** The conversion's phase, registered as `WavStatus` (a closed one's comes from the execution status: ./phase-query). */
export const PhaseAttribute = defineSearchAttributeKey('WavStatus', SearchAttributeType.KEYWORD);

/** Registered on the namespace by `wavflow setup`, the dev server module and the compose stack. */
export const searchAttributeNames = [WavTaskIdAttribute.name, AudioIdAttribute.name, PhaseAttribute.name] as const;

/**
 * What a conversion reports to its worker's metrics. Sinks are not commands: adding or removing
 * calls keeps histories replayable, and the worker skips them during replay.
 */
export interface ConversionSinks extends Sinks {
  conversionMetrics: {
    ended(outcome: 'completed' | 'failed' | 'cancelled', failureType?: string): void;
    callbackIgnored(reason: IgnoredCallback['reason']): void;
    /** A signal that could not be read as a callback (it is kept as a malformed one). */
    malformedSignal(): void;
    /** What a record-info poll answered, as the conversion read it (failed calls are counted by the activity). */
    polled(answer: 'pending' | 'success' | 'failure'): void;
  };
}

/** Activities that call the provider run on this queue, where the worker enforces the provider's rate limit. */
export const providerTaskQueue = (taskQueue: string) => `${taskQueue}-provider`;
