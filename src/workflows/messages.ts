import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ProviderCallback } from '../provider/types';

/** The one definition of every message a conversion understands; server, client and CLI import these. */

export interface ConversionInput {
  /** The source music-generation task id (provider's `taskId`). */
  taskId?: string;
  /** The source track id (provider's `audioId`). */
  audioId?: string;
  /** Delay between record-info polls while no callback has answered. Default 30 s. */
  pollIntervalMs?: number;
  /** Overall wait for a terminal answer before ConversionTimedOut. Default 1 h. */
  deadlineMs?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 30_000;
export const DEFAULT_DEADLINE_MS = 60 * 60_000;

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  audioFormat: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  durationSeconds: number;
}

export interface ConversionResult extends DownloadResult {
  wavTaskId: string;
  answeredBy: AnswerSource;
}

export type Phase = 'submitting' | 'waiting' | 'downloading' | 'completed' | 'failed';
export type AnswerSource = 'callback' | 'poll';

/** A callback that did not decide the outcome, kept (bounded) so an operator can see it. */
export interface IgnoredCallback {
  reason: 'other-task' | 'after-outcome' | 'no-url';
  taskId: string;
  code: number;
  msg: string;
  at: string;
}

export interface ConversionStatus {
  conversionId: string;
  phase: Phase;
  /** Every phase entered, in order, so a watcher that looks now and then misses none. */
  phases: Array<{ phase: Phase; at: string }>;
  taskId?: string;
  audioId?: string;
  wavTaskId?: string;
  callbacks: { received: number; ignored: number };
  ignoredCallbacks: IgnoredCallback[];
  polls: number;
  startedAt: string;
  answeredAt?: string;
  answeredBy?: AnswerSource;
  completedAt?: string;
  result?: ConversionResult;
  failure?: { type: string; message: string };
}

/** Sent by the callback receiver with the normalized body. */
export const providerCallbackSignal = defineSignal<[ProviderCallback]>('providerCallback');
export const statusQuery = defineQuery<ConversionStatus>('status');

export const WavProviderTaskId = defineSearchAttributeKey('WavProviderTaskId', SearchAttributeType.KEYWORD);
export const WavAudioId = defineSearchAttributeKey('WavAudioId', SearchAttributeType.KEYWORD);
export const WavStatus = defineSearchAttributeKey('WavStatus', SearchAttributeType.KEYWORD);

/** Registered on the namespace by the dev server module and the compose stack. */
export const searchAttributeNames = [WavProviderTaskId.name, WavAudioId.name, WavStatus.name] as const;
