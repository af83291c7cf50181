import type { StripeErrorBody } from './objects';

type ErrorType = StripeErrorBody['error']['type'];

/**
 * A refusal answered with Stripe's error body. `beforeExecution` marks errors found while checking
 * the request (bad parameters, unknown ids): Stripe does not save those under an Idempotency-Key, so a
 * corrected retry with the same key goes through instead of replaying the error.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly details: { code?: string; param?: string; declineCode?: string; beforeExecution?: boolean } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get beforeExecution(): boolean {
    return this.details.beforeExecution ?? false;
  }

  toBody(): StripeErrorBody {
    const error: StripeErrorBody['error'] = { type: this.type, message: this.message };
    if (this.details.code) {
      error.code = this.details.code;
      error.doc_url = `https://stripe.com/docs/error-codes/${this.details.code.replaceAll('_', '-')}`;
    }
    if (this.details.declineCode) error.decline_code = this.details.declineCode;
    if (this.details.param) error.param = this.details.param;
    return { error };
  }
}

export function missingParam(param: string): ApiError {
  return new ApiError(400, 'invalid_request_error', `Missing required param: ${param}.`, {
    code: 'parameter_missing',
    param,
    beforeExecution: true,
  });
}

export function invalidParam(param: string, message: string, code?: string): ApiError {
  return new ApiError(400, 'invalid_request_error', message, { code, param, beforeExecution: true });
}

export function noSuchObject(kind: string, id: string, param = 'id'): ApiError {
  return new ApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, {
    code: 'resource_missing',
    param,
    beforeExecution: true,
  });
}
