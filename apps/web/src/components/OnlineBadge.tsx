import { onlineLabel } from '../i18n/lockerLabels';

export function OnlineBadge({ online }: { online: boolean }) {
  return (
    <span
      class={`status-badge ${online ? 'status-badge--online' : 'status-badge--offline'}`}
      data-testid="locker-online"
      data-state={online ? 'online' : 'offline'}
    >
      <span class="status-badge__dot" aria-hidden="true" />
      {onlineLabel(online)}
    </span>
  );
}
