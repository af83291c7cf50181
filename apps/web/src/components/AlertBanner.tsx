import type { AlertEvent } from '../api/types';

/** French wording per alert type; the server's English message stays in the audit trail. */
const ALERT_TEXT: Record<string, string> = {
  intrusion: 'Intrusion détectée : la porte a été ouverte sans ouverture autorisée.',
  lockdown: 'Casier verrouillé (lockdown) après plusieurs intrusions.',
  lockdown_ended: 'Le verrouillage de sécurité est levé.',
  door_left_open: 'La porte est restée ouverte. Pensez à la refermer.',
  unknown_badge: 'Un badge inconnu a été présenté au casier.',
};

interface AlertBannerProps {
  alert: AlertEvent;
  onDismiss(): void;
}

/** The latest alert at the user's locker, pushed live; dismissed by hand. */
export function AlertBanner({ alert, onDismiss }: AlertBannerProps) {
  const time = new Date(alert.at).toLocaleTimeString('fr-BE', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return (
    <div
      class={`notice ${alert.severity === 'info' ? 'notice--info' : 'notice--alert'}`}
      role="alert"
      data-testid="alert-banner"
      data-type={alert.type}
    >
      <strong>{time}</strong> {ALERT_TEXT[alert.type] ?? 'Alerte sur votre casier.'}{' '}
      <button type="button" class="link-button" onClick={onDismiss} data-testid="alert-dismiss">
        OK
      </button>
    </div>
  );
}
