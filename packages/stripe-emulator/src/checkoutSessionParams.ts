import { invalidParam } from './apiError';
import type { ParamReader } from './formParams';
import type { LineItem, Metadata } from './objects';

export interface CheckoutSessionInput {
  successUrl: string;
  cancelUrl: string | null;
  lineItems: LineItem[];
  currency: string;
  metadata: Metadata;
  clientReferenceId: string | null;
  customerEmail: string | null;
  expiresAt: number;
  paymentIntentMetadata: Metadata;
}

// Stripe: "The value must be between 30 minutes and 24 hours after the current time";
// the default is 24 hours (docs: Checkout, "Manage limited inventory").
export const MIN_EXPIRY_SECONDS = 30 * 60;
export const MAX_EXPIRY_SECONDS = 24 * 60 * 60;

const MAX_CLIENT_REFERENCE_ID_LENGTH = 200;

/** Parameters the emulator reads; everything the API would also take but the emulator ignores is listed apart. */
const READ = [
  'mode',
  'success_url',
  'cancel_url',
  'line_items',
  'metadata',
  'client_reference_id',
  'customer_email',
  'expires_at',
  'payment_intent_data',
] as const;
const ACCEPTED_BUT_IGNORED = [
  'expand',
  'locale',
  'payment_method_types',
  'submit_type',
  'billing_address_collection',
  'customer_creation',
  'phone_number_collection',
  'allow_promotion_codes',
  'consent_collection',
  'custom_text',
  'ui_mode',
];
const KNOWN = new Set<string>([...READ, ...ACCEPTED_BUT_IGNORED]);

/** Checks a `POST /v1/checkout/sessions` body; `nowSeconds` is the business clock. */
export function readCheckoutSessionParams(params: ParamReader, nowSeconds: number): CheckoutSessionInput {
  params.rejectUnknown(KNOWN);

  const mode = params.string('mode');
  if (mode !== 'payment') {
    throw invalidParam('mode', `The emulator only supports mode=payment (got '${mode}').`);
  }
  const successUrl = params.string('success_url');
  requireUrl(successUrl, 'success_url');
  const cancelUrl = params.optionalString('cancel_url') ?? null;
  if (cancelUrl !== null) requireUrl(cancelUrl, 'cancel_url');

  const lineItems = params.list('line_items').map(readLineItem);
  const currency = lineItems[0]?.currency ?? 'eur';
  lineItems.forEach((item, index) => {
    if (item.currency !== currency) {
      throw invalidParam(`line_items[${index}][price_data][currency]`, 'All line items must use the same currency.');
    }
  });

  const clientReferenceId = params.optionalString('client_reference_id') ?? null;
  if (clientReferenceId !== null && clientReferenceId.length > MAX_CLIENT_REFERENCE_ID_LENGTH) {
    throw invalidParam(
      'client_reference_id',
      `client_reference_id can be at most ${MAX_CLIENT_REFERENCE_ID_LENGTH} characters long.`,
    );
  }
  const customerEmail = params.optionalString('customer_email') ?? null;
  if (customerEmail !== null && !/^[^\s@]+@[^\s@]+$/.test(customerEmail)) {
    throw invalidParam('customer_email', `Invalid email address: ${customerEmail}`, 'email_invalid');
  }

  const expiresAt = params.optionalInteger('expires_at') ?? nowSeconds + MAX_EXPIRY_SECONDS;
  if (expiresAt < nowSeconds + MIN_EXPIRY_SECONDS) {
    throw invalidParam('expires_at', 'The `expires_at` timestamp must be at least 30 minutes from now.');
  }
  if (expiresAt > nowSeconds + MAX_EXPIRY_SECONDS) {
    throw invalidParam('expires_at', 'The `expires_at` timestamp must be at most 24 hours from now.');
  }

  const paymentIntentData = params.optionalObject('payment_intent_data');
  return {
    successUrl,
    cancelUrl,
    lineItems,
    currency,
    metadata: params.metadata(),
    clientReferenceId,
    customerEmail,
    expiresAt,
    paymentIntentMetadata: paymentIntentData?.metadata() ?? {},
  };
}

function readLineItem(item: ParamReader): LineItem {
  if (item.has('price')) {
    throw invalidParam(item.path('price'), 'The emulator has no Price objects: send price_data instead of price.');
  }
  const priceData = item.object('price_data');
  const currency = priceData.string('currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) {
    throw invalidParam(priceData.path('currency'), `Invalid currency: ${currency}.`);
  }
  const unitAmount = priceData.integer('unit_amount');
  if (unitAmount <= 0) {
    throw invalidParam(priceData.path('unit_amount'), 'This value must be greater than 0.');
  }
  const name = priceData.object('product_data').string('name');
  const quantity = item.integer('quantity');
  if (quantity < 1) {
    throw invalidParam(item.path('quantity'), 'This value must be greater than or equal to 1.');
  }
  return { name, currency, unitAmount, quantity };
}

function requireUrl(value: string, param: string): void {
  // `{CHECKOUT_SESSION_ID}` is a template Stripe fills in on redirect; braces are not valid in a URL as such.
  const candidate = value.replaceAll('{CHECKOUT_SESSION_ID}', 'cs_placeholder');
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw invalidParam(param, 'Not a valid URL', 'url_invalid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidParam(param, 'Not a valid URL', 'url_invalid');
  }
}
