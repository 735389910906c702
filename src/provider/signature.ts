import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The per-conversion signature carried in the callback URL:
 * base64url(HMAC-SHA256(workflowId, CALLBACK_SECRET)). Only someone who was given the URL can
 * signal that conversion, and one conversion's URL cannot signal another.
 */
export function callbackSignature(workflowId: string, secret: string): string {
  return createHmac('sha256', secret).update(workflowId).digest('base64url');
}

export function callbackUrl(publicBaseUrl: string, workflowId: string, secret: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return `${base}/callbacks/wav/${encodeURIComponent(workflowId)}/${callbackSignature(workflowId, secret)}`;
}

export function verifyCallbackSignature(workflowId: string, signature: string, secret: string): boolean {
  return safeEqual(signature, callbackSignature(workflowId, secret));
}

/** kie.ai's optional webhook signature: base64(HMAC-SHA256(taskId + "." + timestamp, key)). */
export function webhookSignature(taskId: string, timestamp: string, key: string): string {
  return createHmac('sha256', key).update(`${taskId}.${timestamp}`).digest('base64');
}

export function verifyWebhookSignature(taskId: string, timestamp: string, signature: string, key: string): boolean {
  return safeEqual(signature, webhookSignature(taskId, timestamp, key));
}

export interface WebhookCheck {
  taskId: string;
  timestamp: string | undefined;
  signature: string | undefined;
  key: string;
  /** Largest accepted distance between the timestamp and now, either way. */
  windowSeconds: number;
  nowSeconds: number;
}

/**
 * kie.ai-style signed callbacks: both headers present, the timestamp inside the replay window
 * (the provider states none; a captured callback must not be replayable forever), and the HMAC
 * right. Returns why it is refused, or undefined when it is good.
 */
export function webhookRefusal({ taskId, timestamp, signature, key, windowSeconds, nowSeconds }: WebhookCheck): string | undefined {
  if (!timestamp || !signature) return 'X-Webhook-Timestamp and X-Webhook-Signature are required';
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-Webhook-Timestamp is not Unix seconds';
  if (Math.abs(nowSeconds - Number(timestamp)) > windowSeconds) return 'X-Webhook-Timestamp is outside the replay window';
  if (!verifyWebhookSignature(taskId, timestamp, signature, key)) return 'X-Webhook-Signature does not match';
  return undefined;
}

/** Constant-time comparison that does not leak the expected length through an early return. */
function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compare against itself when lengths differ so the time spent does not depend on the input.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length;
}
