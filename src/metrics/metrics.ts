import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Where a callback request ended at the receiver, or how its workflow treated it. */
export type CallbackOutcome =
  | 'received'
  | 'forged'
  | 'malformed'
  | 'ignored'
  | 'unavailable'
  | 'rejected'
  | 'limited'
  | 'duplicate'
  | 'mismatched'
  | 'without_url';

export type ConversionOutcome = 'completed' | 'failed' | 'cancelled';
export type DownloadOutcome = 'completed' | 'failed' | 'cancelled';

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag); entry points turn them on, tests do not. */
  processMetrics?: boolean;
}

const MiB = 1024 ** 2;

/**
 * wavflow's own Prometheus metrics, in a registry per process (not prom-client's global one), so
 * that several stacks in one test process each count their own. Other text sources (the Temporal
 * SDK's exporter) can be appended to what `render` returns.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly sources: Array<() => Promise<string>> = [];

  readonly callbacks = new Counter({
    name: 'wavflow_callbacks_total',
    help: 'Provider callbacks by outcome: at the receiver (received, forged, malformed, ignored, unavailable, rejected, limited) and in the workflow (duplicate, mismatched, without_url, and malformed for unreadable signals).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly conversions = new Counter({
    name: 'wavflow_conversions_total',
    help: 'Conversions that ended, by outcome and failure type.',
    labelNames: ['outcome', 'failure_type'] as const,
    registers: [this.registry],
  });

  readonly polls = new Counter({
    name: 'wavflow_polls_total',
    help: 'record-info answers by what they meant for the conversion (pending, success, failure: counted by the workflow), and failed record-info calls (error: counted by the activity, per attempt).',
    labelNames: ['answer'] as const,
    registers: [this.registry],
  });

  readonly submits = new Counter({
    name: 'wavflow_submits_total',
    help: 'Submit calls by provider code (200 accepted, 409 adopted, others refused); "network" when no code came back.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly downloadBytes = new Counter({
    name: 'wavflow_download_bytes_total',
    help: 'Bytes received from file hosts, every attempt included.',
    registers: [this.registry],
  });

  readonly downloadSize = new Histogram({
    name: 'wavflow_download_size_bytes',
    help: 'Size of the WAV files downloaded.',
    buckets: [0.25, 1, 4, 16, 64, 256, 1024, 4096].map((m) => m * MiB),
    registers: [this.registry],
  });

  readonly downloadDuration = new Histogram({
    name: 'wavflow_download_duration_seconds',
    help: 'Duration of one download attempt, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });

  readonly downloadsResumed = new Counter({
    name: 'wavflow_downloads_resumed_total',
    help: 'Download attempts that continued a partial file (206 to a Range request).',
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Appends another exposition-format source (e.g. the Temporal SDK's) to every scrape. */
  addSource(source: () => Promise<string>): void {
    this.sources.push(source);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    const own = await this.registry.metrics();
    const others = await Promise.all(this.sources.map((source) => source().catch(() => '')));
    return [own, ...others].filter(Boolean).join('\n');
  }
}
