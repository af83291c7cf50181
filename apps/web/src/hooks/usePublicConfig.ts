import { useEffect, useState } from 'preact/hooks';
import { accountApi, type PublicConfig } from '../api/account';

let pending: Promise<PublicConfig> | null = null;

/** Fetched once per page load; a failure is retried by the next screen that asks. */
function loadPublicConfig(): Promise<PublicConfig> {
  pending ??= accountApi.publicConfig().catch((error: unknown) => {
    pending = null;
    throw error;
  });
  return pending;
}

/**
 * `GET /api/public-config`: what signed-out screens need (is Google sign-in offered, is this a
 * demo). Null until it arrives; without it the screens simply offer less.
 */
export function usePublicConfig(): PublicConfig | null {
  const [config, setConfig] = useState<PublicConfig | null>(null);
  useEffect(() => {
    let live = true;
    loadPublicConfig().then(
      (loaded) => {
        if (live) setConfig(loaded);
      },
      (error: unknown) => console.warn('public configuration unavailable', error),
    );
    return () => {
      live = false;
    };
  }, []);
  return config;
}
