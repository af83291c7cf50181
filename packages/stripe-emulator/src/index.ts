export { ApiError } from './apiError';
export { MAX_EXPIRY_SECONDS, MIN_EXPIRY_SECONDS } from './checkoutSessionParams';
export type {
  ChargeObject,
  CheckoutSessionObject,
  EventObject,
  EventType,
  Metadata,
  PaymentIntentObject,
  RefundObject,
  StripeErrorBody,
} from './objects';
export {
  DEFAULT_API_VERSION,
  DEFAULT_RETRY_DELAYS_MS,
  DEFAULT_SECRET_KEY,
  type StripeEmulator,
  type StripeEmulatorOptions,
  startStripeEmulator,
} from './stripeEmulator';
export { ASYNC_PAYMENT_CARD, type CardForm, checkCard } from './testCards';
export { CHAOS_RATE, type ChaosOptions, type DeliveryRecord, type EmulatorLogger } from './webhookDispatcher';
export { generateWebhookSecret, signWebhookPayload } from './webhookSignature';
