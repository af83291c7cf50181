import { ApiError, invalidParam } from './apiError';
import type { ParamReader } from './formParams';
import { type Metadata, REFUND_REASONS, type RefundReason } from './objects';

export interface RefundInput {
  paymentIntent: string | null;
  charge: string | null;
  amount: number | null;
  reason: RefundReason | null;
  metadata: Metadata;
}

const KNOWN = new Set(['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand', 'instructions_email']);

/** Checks a `POST /v1/refunds` body. */
export function readRefundParams(params: ParamReader): RefundInput {
  params.rejectUnknown(KNOWN);
  const paymentIntent = params.optionalString('payment_intent') ?? null;
  const charge = params.optionalString('charge') ?? null;
  if (paymentIntent === null && charge === null) {
    throw new ApiError(
      400,
      'invalid_request_error',
      'One of the following params should be provided for this request: payment_intent or charge.',
      { code: 'parameter_missing', beforeExecution: true },
    );
  }
  const amount = params.optionalInteger('amount') ?? null;
  if (amount !== null && amount <= 0) {
    throw invalidParam('amount', 'This value must be greater than or equal to 1.');
  }
  const reason = params.optionalString('reason') ?? null;
  if (reason !== null && !isRefundReason(reason)) {
    throw invalidParam('reason', `Invalid reason: must be one of ${REFUND_REASONS.join(', ')}`);
  }
  return { paymentIntent, charge, amount, reason, metadata: params.metadata() };
}

function isRefundReason(value: string): value is RefundReason {
  return (REFUND_REASONS as readonly string[]).includes(value);
}
