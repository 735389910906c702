export * from './types';
export { ProviderApi, type ProviderApiOptions } from './api';
export { ProviderError, type ProviderEndpoint } from './errors';
export { parseCallback, parseRecord, describeIssues, type ParseResult } from './schemas';
export {
  callbackSignature,
  callbackUrl,
  verifyCallbackSignature,
  webhookSignature,
  verifyWebhookSignature,
  webhookRefusal,
  type WebhookCheck,
} from './signature';
