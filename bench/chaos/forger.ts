import { randomBytes } from 'node:crypto';
import { callbackSignature, callbackUrl, webhookSignature } from '../../src/provider';
import type { Random } from './plan';

/**
 * An attacker posting callbacks at a steady rate for the whole run, straight at the receiver.
 * Every kind must be refused with 401 and change nothing:
 * - `wrong-signature`: a made-up URL signature;
 * - `other-workflow`: one conversion's id with another conversion's (valid) URL signature;
 * - `other-task`: a leaked, valid URL, but a body for another provider task (X-Webhook-Signature
 *   made without the provider's key), or the right task with a signature captured from another
 *   task's callback.
 */
export type ForgeryKind = 'wrong-signature' | 'other-workflow' | 'other-task';
export const FORGERY_KINDS: readonly ForgeryKind[] = ['wrong-signature', 'other-workflow', 'other-task'];

export interface ForgerTargets {
  /** Conversion ids started so far. */
  conversions(): string[];
  /** The provider task of a conversion, once the sandbox has one. */
  wavTaskId(conversionId: string): string | undefined;
  /** A file URL the sandbox serves (another conversion's WAV): what a forger would inject. */
  someFileUrl(): string | undefined;
}

export interface ForgerStats {
  sent: Record<ForgeryKind, number>;
  /** Answers by HTTP status ("network" for no answer: the receiver was restarting). */
  answers: Record<string, number>;
  /** Requests answered 2xx: forgeries the receiver took. */
  accepted: Array<{ kind: ForgeryKind; conversionId: string; status: number }>;
}

export interface ForgerOptions {
  receiverUrl: string;
  callbackSecret: string;
  webhookHmacKey: string;
  perSecond: number;
  random: Random;
  targets: ForgerTargets;
}

export function startForger(options: ForgerOptions): { stats: ForgerStats; stop(): Promise<void> } {
  const stats: ForgerStats = { sent: { 'wrong-signature': 0, 'other-workflow': 0, 'other-task': 0 }, answers: {}, accepted: [] };
  const inFlight = new Set<Promise<void>>();
  const { random, targets } = options;

  const forge = async () => {
    const ids = targets.conversions();
    if (ids.length < 2) return;
    const target = random.pick(ids);
    const other = random.pick(ids.filter((id) => id !== target));
    const kind = random.pick(FORGERY_KINDS);
    const ownTask = targets.wavTaskId(target) ?? randomBytes(16).toString('hex');
    const otherTask = targets.wavTaskId(other) ?? randomBytes(16).toString('hex');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const base = options.receiverUrl.replace(/\/+$/, '');
    let url: string;
    let taskId = ownTask;
    let signature = webhookSignature(ownTask, timestamp, options.webhookHmacKey);
    switch (kind) {
      case 'wrong-signature':
        url = `${base}/callbacks/wav/${encodeURIComponent(target)}/${randomBytes(32).toString('base64url')}`;
        break;
      case 'other-workflow':
        url = `${base}/callbacks/wav/${encodeURIComponent(target)}/${callbackSignature(other, options.callbackSecret)}`;
        break;
      case 'other-task':
        url = callbackUrl(base, target, options.callbackSecret);
        if (random.int(0, 1) === 0) {
          taskId = otherTask;
          signature = webhookSignature(otherTask, timestamp, randomBytes(16).toString('hex'));
        } else {
          signature = webhookSignature(otherTask, timestamp, options.webhookHmacKey);
        }
        break;
    }
    stats.sent[kind]++;
    const body = { code: 200, msg: 'success', data: { task_id: taskId, audio_wav_url: targets.someFileUrl() ?? 'http://127.0.0.1:9/evil.wav' } };
    let status: number | 'network';
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-timestamp': timestamp, 'x-webhook-signature': signature },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 'network';
    }
    stats.answers[String(status)] = (stats.answers[String(status)] ?? 0) + 1;
    if (typeof status === 'number' && status >= 200 && status < 300) stats.accepted.push({ kind, conversionId: target, status });
  };

  const timer = setInterval(() => {
    const request = forge().finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, 1000 / options.perSecond);
  return {
    stats,
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
