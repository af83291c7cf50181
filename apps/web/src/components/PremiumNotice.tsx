import type { ComponentChildren } from 'preact';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    title: 'Premium requis',
    text: "Les casiers sport s'ouvrent librement pour les membres Premium.",
    demo: ' Mode démo : activez Premium en un clic.',
    upgrade: ' Passez Premium pour utiliser ce casier.',
  },
  en: {
    title: 'Premium required',
    text: 'Sport lockers open freely for Premium members.',
    demo: ' Demo mode: turn Premium on in one tap.',
    upgrade: ' Go Premium to use this locker.',
  },
});

interface PremiumNoticeProps {
  demoMode: boolean;
  /** The demo toggle, when demo mode allows it. */
  children?: ComponentChildren;
}

/** A sport locker opens for Premium members only (SPEC §6). */
export function PremiumNotice({ demoMode, children }: PremiumNoticeProps) {
  const t = text();
  return (
    <div class="notice notice--premium" data-testid="premium-required">
      <strong class="notice__title">{t.title}</strong>
      <p class="notice__text">
        {t.text}
        {demoMode ? t.demo : t.upgrade}
      </p>
      {children}
    </div>
  );
}
