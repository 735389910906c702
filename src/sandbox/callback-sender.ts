import { webhookSignature } from '../provider';

/** The provider's documented delivery: 15 s timeout, then retries after 1, 5 and 15 minutes. */
export const CALLBACK_TIMEOUT_MS = 15_000;
export const CALLBACK_RETRY_DELAYS_MS = [60_000, 300_000, 900_000] as const;

export interface DeliveryAttempt {
  wavTaskId: string;
  copy: number;
  attempt: number;
  /** When the request was sent (what a reaction time is measured from). */
  sentAt: Date;
  /** When its answer (or error) came back. */
  at: Date;
  /** HTTP status, or the network error. */
  outcome: number | string;
}

export interface CallbackSenderOptions {
  /** Multiplies the retry delays (not the timeout); tests use small values. */
  timeScale: number;
  /** kie.ai-style signing when set. */
  webhookHmacKey?: string | undefined;
}

/** Posts callbacks the way the provider does, and remembers every attempt. */
export class CallbackSender {
  readonly attempts: DeliveryAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: CallbackSenderOptions) {}

  /** Resolves after the first attempt; retries continue in the background. */
  async deliver(url: string, wavTaskId: string, body: unknown, copy = 1): Promise<void> {
    await this.attempt(url, wavTaskId, body, copy, 0);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const controller of this.inFlight) controller.abort();
  }

  private async attempt(url: string, wavTaskId: string, body: unknown, copy: number, retry: number): Promise<void> {
    if (this.closed) return;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), CALLBACK_TIMEOUT_MS);
    const sentAt = new Date();
    let outcome: number | string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.signatureHeaders(wavTaskId) },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      await response.arrayBuffer();
      outcome = response.status;
    } catch (err) {
      outcome = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    this.attempts.push({ wavTaskId, copy, attempt: retry + 1, sentAt, at: new Date(), outcome });
    const delay = CALLBACK_RETRY_DELAYS_MS[retry];
    if (outcome === 200 || delay === undefined || this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(url, wavTaskId, body, copy, retry + 1);
    }, delay * this.options.timeScale);
    this.timers.add(timer);
  }

  private signatureHeaders(wavTaskId: string): Record<string, string> {
    const key = this.options.webhookHmacKey;
    if (!key) return {};
    const timestamp = String(Math.floor(Date.now() / 1000));
    return { 'X-Webhook-Timestamp': timestamp, 'X-Webhook-Signature': webhookSignature(wavTaskId, timestamp, key) };
  }
}
