import type { ComponentChildren } from 'preact';
import type { User } from '../api/types';

interface AccountStripProps {
  user: User;
  /** Extra controls (the demo Premium toggle). */
  children?: ComponentChildren;
}

export function AccountStrip({ user, children }: AccountStripProps) {
  return (
    <section class="account" aria-label="Votre compte">
      <div class="account__identity">
        <span class="account__hello">Bonjour,</span>
        <strong class="account__pseudo" data-testid="user-pseudo">
          {user.name}
        </strong>
      </div>
      <span class={`badge ${user.premium ? 'badge--premium' : 'badge--plain'}`} data-testid="user-plan">
        {user.premium ? 'Premium' : 'Standard'}
      </span>
      {children}
    </section>
  );
}
