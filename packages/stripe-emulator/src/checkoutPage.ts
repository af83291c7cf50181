import { formatAmount } from './money';
import type { CheckoutSessionObject, LineItem } from './objects';
import type { CardField } from './testCards';

export interface CheckoutPageState {
  session: CheckoutSessionObject;
  lineItems: LineItem[];
  /** The refusal to show above the form, and the field it is about. */
  error?: { message: string; field?: CardField };
  /** What the customer typed, given back after a refusal (never the CVC). */
  entered?: { number: string; expiry: string; name: string };
}

/**
 * The hosted payment page: one HTML document, inline CSS, no script, no outside asset. The form posts
 * back to the same URL. `name` and `data-testid` attributes are a stable contract for browser tests.
 */
export function renderCheckoutPage(state: CheckoutPageState): string {
  const { session, lineItems, error, entered } = state;
  const items = lineItems
    .map(
      (item) =>
        `<li data-testid="line-item"><span>${escapeHtml(item.name)}${
          item.quantity > 1 ? ` × ${item.quantity}` : ''
        }</span><span>${formatAmount(item.unitAmount * item.quantity, item.currency)}</span></li>`,
    )
    .join('\n');
  const invalid = (field: CardField) => (error?.field === field ? ' aria-invalid="true"' : '');
  const errorBlock = error
    ? `<p class="error" role="alert" data-testid="card-error">${escapeHtml(error.message)}</p>`
    : '';
  const cancel = session.cancel_url
    ? `<a class="cancel" href="${escapeHtml(session.cancel_url)}" data-testid="cancel">← Cancel · Annuler</a>`
    : '';
  const total = formatAmount(session.amount_total, session.currency);
  return page(
    `Pay ${total}`,
    `${cancel}
<h1 data-testid="amount">${total}</h1>
<ul class="items">
${items}
</ul>
<form method="post" action="/c/pay/${encodeURIComponent(session.id)}" novalidate>
  ${errorBlock}
  <label for="card-number">Card number · Numéro de carte</label>
  <input id="card-number" name="card-number" data-testid="card-number" inputmode="numeric" autocomplete="cc-number"
    placeholder="1234 1234 1234 1234" value="${escapeHtml(entered?.number ?? '')}"${invalid('card-number')} required>
  <div class="row">
    <div>
      <label for="card-expiry">Expiry · Expiration</label>
      <input id="card-expiry" name="card-expiry" data-testid="card-expiry" inputmode="numeric" autocomplete="cc-exp"
        placeholder="MM / YY" value="${escapeHtml(entered?.expiry ?? '')}"${invalid('card-expiry')} required>
    </div>
    <div>
      <label for="card-cvc">CVC</label>
      <input id="card-cvc" name="card-cvc" data-testid="card-cvc" inputmode="numeric" autocomplete="cc-csc"
        placeholder="123"${invalid('card-cvc')} required>
    </div>
  </div>
  <label for="card-name">Cardholder name · Titulaire de la carte</label>
  <input id="card-name" name="card-name" data-testid="card-name" autocomplete="cc-name"
    value="${escapeHtml(entered?.name ?? '')}">
  <button type="submit" data-testid="pay">Pay · Payer ${total}</button>
</form>
<details class="hint">
  <summary>Test cards</summary>
  <ul>
    <li><code>4242 4242 4242 4242</code> succeeds</li>
    <li><code>4000 0000 0000 0002</code> is declined</li>
    <li><code>4000 0000 0000 3055</code> pays later (emulator: settle with settleAsyncPayment)</li>
  </ul>
  <p>Any future expiry, any 3-digit CVC.</p>
</details>`,
  );
}

/** A page with a message instead of a form: unknown, paid or expired session. */
export function renderMessagePage(
  title: string,
  message: string,
  link?: { href: string; label: string },
  testId = 'checkout-message',
): string {
  const back = link ? `<p><a href="${escapeHtml(link.href)}" data-testid="back">${escapeHtml(link.label)}</a></p>` : '';
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p data-testid="${escapeHtml(testId)}">${escapeHtml(message)}</p>
${back}`,
  );
}

function page(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #f6f8fa; color: #1a1f36; }
  .test-banner { background: #ff8f0e; color: #fff; font-weight: 700; font-size: 12px; letter-spacing: .08em;
    text-align: center; padding: 4px 0; }
  main { max-width: 420px; margin: 32px auto; background: #fff; border-radius: 8px; padding: 24px;
    box-shadow: 0 2px 8px rgba(0, 0, 0, .08); }
  h1 { font-size: 28px; margin: 8px 0 16px; }
  .items { list-style: none; padding: 0; margin: 0 0 24px; }
  .items li { display: flex; justify-content: space-between; padding: 6px 0; border-bottom: 1px solid #e3e8ee; }
  label { display: block; font-size: 13px; color: #4f566b; margin: 12px 0 4px; }
  input { box-sizing: border-box; width: 100%; font-size: 16px; padding: 10px; border: 1px solid #cfd7df;
    border-radius: 6px; }
  input[aria-invalid="true"] { border-color: #df1b41; }
  .row { display: flex; gap: 12px; }
  .row > div { flex: 1; }
  button { width: 100%; margin-top: 20px; padding: 12px; font-size: 16px; font-weight: 600; color: #fff;
    background: #635bff; border: 0; border-radius: 6px; cursor: pointer; }
  .error { color: #df1b41; background: #fff0f3; border-radius: 6px; padding: 10px; margin: 0 0 8px; }
  .cancel { color: #4f566b; text-decoration: none; font-size: 14px; }
  .hint { margin-top: 24px; font-size: 13px; color: #4f566b; }
</style>
</head>
<body>
<div class="test-banner" data-testid="test-mode">TEST MODE</div>
<main>
${main}
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
