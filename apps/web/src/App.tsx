import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageFor } from './api/errorMessages';
import type { User } from './api/types';
import { ErrorBoundary } from './components/ErrorBoundary';
import { lazyScreen } from './components/lazyScreen';
import { OfflineOverlay } from './components/OfflineOverlay';
import { UpdatePrompt } from './components/UpdatePrompt';
import { useNetworkStatus } from './hooks/useNetworkStatus';
import { useSession } from './hooks/useSession';
import { isLocale, setLocale, useLocale } from './i18n/locale';
import { defineMessages } from './i18n/messages';
import { clearPendingPairing, keepPendingPairing, pendingPairing } from './pairing/pendingPairing';
import {
  lockerIdFromPath,
  pairingCodeFromPath,
  type Route,
  SIGNED_IN_ROUTES,
  SIGNED_OUT_ROUTES,
  useRoute,
} from './router';
import { AuthScreen } from './screens/AuthScreen';
import { HomeScreen } from './screens/HomeScreen';
import { LandingScreen } from './screens/LandingScreen';
import { NotFoundScreen } from './screens/NotFoundScreen';
import { StartupScreen } from './screens/StartupScreen';

// Screens beyond the first one load on demand (the first page's JavaScript budget).
const AdminHomeScreen = lazyScreen(() => import('./screens/AdminHomeScreen').then((m) => m.AdminHomeScreen));
const BookingScreen = lazyScreen(() => import('./screens/booking/BookingScreen').then((m) => m.BookingScreen));
const CheckoutReturnScreen = lazyScreen(() =>
  import('./screens/booking/CheckoutReturnScreen').then((m) => m.CheckoutReturnScreen),
);
const DevOutboxScreen = lazyScreen(() => import('./screens/DevOutboxScreen').then((m) => m.DevOutboxScreen));
const ForgotPasswordScreen = lazyScreen(() =>
  import('./screens/ForgotPasswordScreen').then((m) => m.ForgotPasswordScreen),
);
const LockerScreen = lazyScreen(() => import('./screens/LockerScreen').then((m) => m.LockerScreen));
const HistoryScreen = lazyScreen(() => import('./screens/HistoryScreen').then((m) => m.HistoryScreen));
const ResetPasswordScreen = lazyScreen(() =>
  import('./screens/ResetPasswordScreen').then((m) => m.ResetPasswordScreen),
);
const SettingsScreen = lazyScreen(() => import('./screens/SettingsScreen').then((m) => m.SettingsScreen));
const WorkbenchScreen = lazyScreen(() => import('./screens/WorkbenchScreen').then((m) => m.WorkbenchScreen));

const text = defineMessages({
  fr: {
    continue: 'Continuer',
    signInToPair: (code: string) => `Connectez-vous ou créez un compte pour associer le casier ${code}.`,
  },
  en: {
    continue: 'Continue',
    signInToPair: (code: string) => `Sign in or create an account to pair locker ${code}.`,
  },
});

const RETURN_KEY = 'smartlocker.returnTo';

/** Where to go back to after signing in (a locker's page a notification opened). */
function keepReturnPath(path: string): void {
  try {
    sessionStorage.setItem(RETURN_KEY, path);
  } catch {
    // Storage off (private mode): the person lands on their usual screen instead.
  }
}

function takeReturnPath(): string | null {
  try {
    const path = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    return path;
  } catch {
    return null;
  }
}

export function App() {
  // Every screen re-renders in the new language when it changes (Settings, or the account's own).
  useLocale();
  const online = useNetworkStatus();
  const { session, load, verify, setMe, signedOut } = useSession();
  const [route, navigate] = useRoute();

  // The URL follows the session: signed-out users are on one of their routes, signed-in users on
  // one of theirs. On signing in (or opening the app signed in at "/"), administrators land on the
  // admin screen (SPEC §3) and everyone else at home — or on the pairing step when a locker's QR
  // code (/p/<CODE>) brought them here. An unknown path shows the 404 screen.
  const landed = useRef(false);
  const role = session.status === 'signed-in' ? session.me.user.role : null;
  // The account's language follows the person from device to device (Settings changes both).
  const accountLocale = session.status === 'signed-in' ? session.me.user.locale : undefined;
  useEffect(() => {
    if (isLocale(accountLocale)) setLocale(accountLocale, { persist: true });
  }, [accountLocale]);
  const [pendingCode, setPendingCode] = useState(pendingPairing);
  useEffect(() => {
    const linked = route === 'pairLink' ? pairingCodeFromPath(window.location.pathname) : null;
    if (linked) {
      keepPendingPairing(linked);
      setPendingCode(linked);
    }
    // A notification's tap opens a locker's page (issue 10): kept across the sign-in detour.
    if (route === 'locker' && session.status === 'signed-out') keepReturnPath(window.location.pathname);
    if (session.status === 'signed-out') {
      // Just signed out: the sign-in page, not the landing page meant for first-time visitors.
      const leaving = landed.current;
      landed.current = false;
      if (route === 'pairLink' || (leaving && route === 'home')) navigate('signin', { replace: true });
      else if (route && !SIGNED_OUT_ROUTES.includes(route)) navigate('signin', { replace: true });
    } else if (session.status === 'signed-in') {
      const landing: Route = role === 'admin' && !pendingPairing() ? 'admin' : 'home';
      const arriving = !landed.current;
      landed.current = true;
      const returnTo = arriving ? takeReturnPath() : null;
      const returnLocker = returnTo ? lockerIdFromPath(returnTo) : null;
      if (route === 'pairLink') navigate('home', { replace: true });
      else if (returnLocker && role === 'admin') navigate('locker', { replace: true, param: returnLocker });
      else if (route === 'locker' && role !== 'admin') navigate('home', { replace: true });
      else if (route && (!SIGNED_IN_ROUTES.includes(route) || (arriving && route === 'home'))) {
        navigate(landing, { replace: true });
      } else if (route === 'admin' && role !== 'admin') {
        navigate('home', { replace: true });
      }
    }
  }, [session.status, role, route, navigate]);

  const pairingHandled = useCallback(() => {
    clearPendingPairing();
    setPendingCode(null);
  }, []);

  function screen() {
    switch (session.status) {
      case 'loading':
        return <StartupScreen />;
      case 'unreachable':
        return <StartupScreen error={session.message} onRetry={() => void load()} />;
      case 'signed-out':
        if (route === null) return <NotFoundScreen onHome={() => navigate('home')} />;
        if (route === 'home') {
          return <LandingScreen onSignUp={() => navigate('signup')} onSignIn={() => navigate('signin')} />;
        }
        if (route === 'forgot') {
          return <ForgotPasswordScreen onBack={() => navigate('signin')} onOpenOutbox={() => navigate('outbox')} />;
        }
        if (route === 'reset') {
          return <ResetPasswordScreen onDone={() => navigate('signin')} onRequestNewLink={() => navigate('forgot')} />;
        }
        if (route === 'outbox') return <DevOutboxScreen onBack={() => navigate('signin')} />;
        return (
          <AuthScreen
            mode={route === 'signup' ? 'signup' : 'signin'}
            onModeChange={(mode) => navigate(mode)}
            onForgotPassword={() => navigate('forgot')}
            onAuthenticated={load}
            notice={session.notice ?? (pendingCode ? text().signInToPair(pendingCode) : undefined)}
          />
        );
      case 'signed-in': {
        const { me } = session;
        const home = () => navigate(me.user.role === 'admin' ? 'admin' : 'home');
        if (route === null) return <NotFoundScreen onHome={home} />;
        if (route === 'reset')
          return <ResetPasswordScreen onDone={home} onRequestNewLink={home} doneLabel={text().continue} />;
        if (route === 'outbox') return <DevOutboxScreen onBack={home} />;
        if (route === 'workbench') {
          return <WorkbenchScreen onBack={home} onSessionLost={() => signedOut(messageFor('unauthenticated'))} />;
        }
        if (route === 'history') {
          return <HistoryScreen onBack={home} onSessionLost={() => signedOut(messageFor('unauthenticated'))} />;
        }
        if (route === 'book') {
          return (
            <BookingScreen
              onBack={home}
              onSessionLost={() => signedOut(messageFor('unauthenticated'))}
              onStreamRefused={() => void verify()}
            />
          );
        }
        if (route === 'checkoutReturn') {
          return (
            <CheckoutReturnScreen
              onHome={home}
              onBook={() => navigate('book')}
              onSessionLost={() => signedOut(messageFor('unauthenticated'))}
              onStreamRefused={() => void verify()}
            />
          );
        }
        if (route === 'settings') {
          return (
            <SettingsScreen
              me={me}
              onMeChange={setMe}
              onBack={home}
              onSignedOut={(notice?: string) => signedOut(notice)}
              onSessionLost={() => signedOut(messageFor('unauthenticated'))}
            />
          );
        }
        const pageLocker = route === 'locker' ? lockerIdFromPath(window.location.pathname) : null;
        if (pageLocker && me.user.role === 'admin') {
          return (
            <LockerScreen
              me={me}
              lockerId={pageLocker}
              onBack={home}
              onSessionLost={() => signedOut(messageFor('unauthenticated'))}
              onStreamRefused={() => void verify()}
            />
          );
        }
        if (route === 'admin' && me.user.role === 'admin') {
          return (
            <AdminHomeScreen
              me={me}
              onOpenSettings={() => navigate('settings')}
              onOpenHome={() => navigate('home')}
              onOpenWorkbench={me.demoMode ? () => navigate('workbench') : undefined}
              onSignedOut={() => signedOut()}
              onSessionLost={() => signedOut(messageFor('unauthenticated'))}
              onOpenLocker={(lockerId) => navigate('locker', { param: lockerId })}
              onStreamRefused={() => void verify()}
            />
          );
        }
        return (
          <HomeScreen
            me={me}
            onOpenSettings={() => navigate('settings')}
            onOpenWorkbench={() => navigate('workbench')}
            onOpenBooking={() => navigate('book')}
            onOpenHistory={() => navigate('history')}
            onUserChange={(user: User) => setMe({ ...me, user })}
            onSignedOut={() => signedOut()}
            onSessionLost={() => signedOut(messageFor('unauthenticated'))}
            onStreamRefused={() => void verify()}
            pendingCode={pendingCode}
            onPendingCodeHandled={pairingHandled}
          />
        );
      }
    }
  }

  return (
    <div class="app">
      <ErrorBoundary>{screen()}</ErrorBoundary>
      <UpdatePrompt />
      {!online && <OfflineOverlay />}
    </div>
  );
}
