import { useCallback, useEffect, useState } from 'preact/hooks';

/**
 * Client routes on the History API: the server answers index.html for every non-/api path,
 * so each screen has a real, shareable URL.
 */
export type Route =
  | 'home'
  | 'signin'
  | 'signup'
  | 'forgot'
  | 'reset'
  | 'settings'
  | 'admin'
  | 'outbox'
  | 'workbench'
  | 'book'
  | 'checkoutReturn'
  | 'history'
  | 'pairLink'
  | 'locker';

const PATHS: Record<Route, string> = {
  home: '/',
  signin: '/connexion',
  signup: '/inscription',
  forgot: '/mot-de-passe-oublie',
  reset: '/reinitialiser',
  settings: '/reglages',
  admin: '/admin',
  outbox: '/boite-mail',
  workbench: '/atelier',
  // School-locker booking (SPEC §5); Stripe Checkout comes back to these with a query string.
  book: '/reserver',
  checkoutReturn: '/reservation/retour',
  // Sessions history and its CSV export (issue 6).
  history: '/historique',
  // The locker's QR code: `${PUBLIC_URL}/p/<PAIRING_CODE>` (docs/pairing.md); the code follows.
  pairLink: '/p',
  // A locker's page, where an alert's notification leads (issue 10): `/casier/<LOCKER_ID>`.
  locker: '/casier',
};

/** The locker id of a `/casier/<ID>` path, else null. */
export function lockerIdFromPath(pathname: string): string | null {
  const match = /^\/casier\/([A-Z0-9][A-Z0-9_-]{0,63})\/?$/.exec(pathname);
  return match?.[1] ?? null;
}

/** The pairing code of a `/p/<CODE>` deep link (what a locker's QR code carries), else null. */
export function pairingCodeFromPath(pathname: string): string | null {
  const match = /^\/p\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/?$/.exec(pathname);
  return match?.[1] ? match[1].toUpperCase() : null;
}

/** Screens a signed-out visitor may stay on (the rest send them to /connexion). */
export const SIGNED_OUT_ROUTES: readonly Route[] = [
  'home',
  'signin',
  'signup',
  'forgot',
  'reset',
  'outbox',
  'pairLink',
];
/** Screens a signed-in user may stay on (the rest send them to their landing screen). */
export const SIGNED_IN_ROUTES: readonly Route[] = [
  'home',
  'settings',
  'admin',
  'outbox',
  'reset',
  'workbench',
  'book',
  'checkoutReturn',
  'history',
  'pairLink',
  'locker',
];

export function routeFromPath(pathname: string): Route | null {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (pairingCodeFromPath(path)) return 'pairLink';
  if (lockerIdFromPath(path)) return 'locker';
  for (const [route, routePath] of Object.entries(PATHS) as [Route, string][]) {
    if (routePath === path && route !== 'pairLink' && route !== 'locker') return route;
  }
  return null;
}

/** `param` completes the routes that carry one (`locker`: the locker id). */
export type Navigate = (route: Route, options?: { replace?: boolean; param?: string }) => void;

/** The current route (null for an unknown path) and a way to change it. */
export function useRoute(): [Route | null, Navigate] {
  const [route, setRoute] = useState(() => routeFromPath(window.location.pathname));

  useEffect(() => {
    const onPopState = () => setRoute(routeFromPath(window.location.pathname));
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const navigate = useCallback<Navigate>((next, options) => {
    const path = options?.param ? `${PATHS[next]}/${encodeURIComponent(options.param)}` : PATHS[next];
    if (window.location.pathname !== path) {
      if (options?.replace) window.history.replaceState(null, '', path);
      else window.history.pushState(null, '', path);
    }
    setRoute(next);
  }, []);

  return [route, navigate];
}
