import { isAlertKind } from '../api/alerts';
import type { AlertEvent } from '../api/types';
import { alertSentence } from '../i18n/alertLabels';
import { formatClock } from '../i18n/format';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: { other: 'Alerte sur votre casier.', dismiss: 'OK' },
  en: { other: 'Alert at your locker.', dismiss: 'OK' },
});

interface AlertBannerProps {
  alert: AlertEvent;
  onDismiss(): void;
}

/** The latest alert at the user's locker, pushed live (issue 10); dismissed by hand. */
export function AlertBanner({ alert, onDismiss }: AlertBannerProps) {
  const t = text();
  return (
    <div
      class={`notice ${alert.severity === 'info' ? 'notice--info' : 'notice--alert'}`}
      role="alert"
      data-testid="alert-banner"
      data-type={alert.type}
    >
      <strong>{formatClock(alert.at)}</strong>{' '}
      {isAlertKind(alert.type) ? alertSentence(alert.type, alert.data) : t.other}{' '}
      <button type="button" class="link-button" onClick={onDismiss} data-testid="alert-dismiss">
        {t.dismiss}
      </button>
    </div>
  );
}
