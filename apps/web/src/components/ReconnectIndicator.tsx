import { defineMessages } from '../i18n/messages';

const text = defineMessages({ fr: { reconnecting: 'reconnexion…' }, en: { reconnecting: 'reconnecting…' } });
/** Discreet sign that the live stream dropped and the browser is reconnecting on its own. */
export function ReconnectIndicator() {
  return (
    <div class="reconnect" role="status" data-testid="live-reconnecting">
      <span class="reconnect__dot" aria-hidden="true" />
      {text().reconnecting}
    </div>
  );
}
