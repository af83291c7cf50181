import { useEffect, useState } from 'preact/hooks';
import type { User } from '../../api/types';

interface AvatarProps {
  user: Pick<User, 'name' | 'image'>;
  size?: 'small' | 'large';
  testId?: string;
}

/** Up to two letters from the pseudo, shown when there is no photo (or it fails to load). */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[1]] : [name.trim()];
  return (
    letters
      .map((word) => Array.from(word ?? '')[0] ?? '')
      .join('')
      .slice(0, 2)
      .toUpperCase() || '?'
  );
}

/** The profile photo in an angular neon frame, or the pseudo's initials. */
export function Avatar({ user, size = 'small', testId = 'avatar' }: AvatarProps) {
  const [broken, setBroken] = useState(false);
  const src = user.image ?? null;
  useEffect(() => setBroken(false), [src]);
  const showPhoto = src !== null && src !== '' && !broken;

  return (
    <span class={`avatar avatar--${size}`} data-testid={testId} data-has-photo={showPhoto ? 'true' : 'false'}>
      {showPhoto ? (
        <img
          class="avatar__img"
          src={src}
          alt={user.name}
          data-testid={`${testId}-img`}
          onError={() => setBroken(true)}
        />
      ) : (
        <span class="avatar__initials" aria-hidden="true">
          {initialsOf(user.name)}
        </span>
      )}
    </span>
  );
}
