import type { ComponentChildren } from 'preact';

interface PremiumNoticeProps {
  demoMode: boolean;
  /** The demo toggle, when demo mode allows it. */
  children?: ComponentChildren;
}

/** A sport locker opens for Premium members only (SPEC §6). */
export function PremiumNotice({ demoMode, children }: PremiumNoticeProps) {
  return (
    <div class="notice notice--premium" data-testid="premium-required">
      <strong class="notice__title">Premium requis</strong>
      <p class="notice__text">
        Les casiers sport s'ouvrent librement pour les membres Premium.
        {demoMode ? ' Mode démo : activez Premium en un clic.' : ' Passez Premium pour utiliser ce casier.'}
      </p>
      {children}
    </div>
  );
}
