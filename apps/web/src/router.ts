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
  | 'history';

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
};

/** Screens a signed-out visitor may stay on (the rest send them to /connexion). */
export const SIGNED_OUT_ROUTES: readonly Route[] = ['signin', 'signup', 'forgot', 'reset', 'outbox'];
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
];

export function routeFromPath(pathname: string): Route | null {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  for (const [route, routePath] of Object.entries(PATHS) as [Route, string][]) {
    if (routePath === path) return route;
  }
  return null;
}

export type Navigate = (route: Route, options?: { replace?: boolean }) => void;

/** The current route (null for an unknown path) and a way to change it. */
export function useRoute(): [Route | null, Navigate] {
  const [route, setRoute] = useState(() => routeFromPath(window.location.pathname));

  useEffect(() => {
    const onPopState = () => setRoute(routeFromPath(window.location.pathname));
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const navigate = useCallback<Navigate>((next, options) => {
    const path = PATHS[next];
    if (window.location.pathname !== path) {
      if (options?.replace) window.history.replaceState(null, '', path);
      else window.history.pushState(null, '', path);
    }
    setRoute(next);
  }, []);

  return [route, navigate];
}
