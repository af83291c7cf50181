import type { ComponentChildren } from 'preact';
import type { User } from '../api/types';
import { defineMessages } from '../i18n/messages';
import { Avatar } from './settings/Avatar';

const text = defineMessages({
  fr: { account: 'Votre compte', hello: 'Bonjour,', premium: 'Premium', standard: 'Standard', settings: 'Réglages' },
  en: { account: 'Your account', hello: 'Hello,', premium: 'Premium', standard: 'Standard', settings: 'Settings' },
});

interface AccountStripProps {
  user: User;
  /** Opens the settings screen ("Réglages"). */
  onOpenSettings?: () => void;
  /** Extra controls (the demo Premium toggle). */
  children?: ComponentChildren;
}

export function AccountStrip({ user, onOpenSettings, children }: AccountStripProps) {
  const t = text();
  return (
    <section class="account" aria-label={t.account}>
      <Avatar user={user} />
      <div class="account__identity">
        <span class="account__hello">{t.hello}</span>
        <strong class="account__pseudo" data-testid="user-pseudo">
          {user.name}
        </strong>
      </div>
      <div class="account__side">
        <span class={`badge ${user.premium ? 'badge--premium' : 'badge--plain'}`} data-testid="user-plan">
          {user.premium ? t.premium : t.standard}
        </span>
        {onOpenSettings && (
          <button
            type="button"
            class="btn btn--ghost btn--small account__settings"
            data-testid="open-settings"
            onClick={onOpenSettings}
          >
            {t.settings}
          </button>
        )}
      </div>
      {children}
    </section>
  );
}
