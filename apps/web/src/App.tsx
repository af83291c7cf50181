import { useEffect, useRef } from 'preact/hooks';
import { messageFor } from './api/errorMessages';
import type { User } from './api/types';
import { OfflineOverlay } from './components/OfflineOverlay';
import { useNetworkStatus } from './hooks/useNetworkStatus';
import { useSession } from './hooks/useSession';
import { type Route, SIGNED_IN_ROUTES, SIGNED_OUT_ROUTES, useRoute } from './router';
import { AdminHomeScreen } from './screens/AdminHomeScreen';
import { AuthScreen } from './screens/AuthScreen';
import { BookingScreen } from './screens/booking/BookingScreen';
import { CheckoutReturnScreen } from './screens/booking/CheckoutReturnScreen';
import { DevOutboxScreen } from './screens/DevOutboxScreen';
import { ForgotPasswordScreen } from './screens/ForgotPasswordScreen';
import { HistoryScreen } from './screens/HistoryScreen';
import { HomeScreen } from './screens/HomeScreen';
import { ResetPasswordScreen } from './screens/ResetPasswordScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { StartupScreen } from './screens/StartupScreen';
import { WorkbenchScreen } from './screens/WorkbenchScreen';

export function App() {
  const online = useNetworkStatus();
  const { session, load, verify, setMe, signedOut } = useSession();
  const [route, navigate] = useRoute();

  // The URL follows the session: signed-out users are on an auth route, signed-in users on one of
  // theirs. On signing in (or opening the app signed in at "/"), administrators land on the admin
  // screen (SPEC §3) and everyone else at home.
  const landed = useRef(false);
  const role = session.status === 'signed-in' ? session.me.user.role : null;
  useEffect(() => {
    if (session.status === 'signed-out') {
      landed.current = false;
      if (!route || !SIGNED_OUT_ROUTES.includes(route)) navigate('signin', { replace: true });
    } else if (session.status === 'signed-in') {
      const landing: Route = role === 'admin' ? 'admin' : 'home';
      const arriving = !landed.current;
      landed.current = true;
      if (!route || !SIGNED_IN_ROUTES.includes(route) || (arriving && route === 'home')) {
        navigate(landing, { replace: true });
      } else if (route === 'admin' && role !== 'admin') {
        navigate('home', { replace: true });
      }
    }
  }, [session.status, role, route, navigate]);

  function screen() {
    switch (session.status) {
      case 'loading':
        return <StartupScreen />;
      case 'unreachable':
        return <StartupScreen error={session.message} onRetry={() => void load()} />;
      case 'signed-out':
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
            notice={session.notice}
          />
        );
      case 'signed-in': {
        const { me } = session;
        const home = () => navigate(me.user.role === 'admin' ? 'admin' : 'home');
        if (route === 'reset')
          return <ResetPasswordScreen onDone={home} onRequestNewLink={home} doneLabel="Continuer" />;
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
        if (route === 'admin' && me.user.role === 'admin') {
          return (
            <AdminHomeScreen
              me={me}
              onOpenSettings={() => navigate('settings')}
              onOpenHome={() => navigate('home')}
              onOpenWorkbench={me.demoMode ? () => navigate('workbench') : undefined}
              onSignedOut={() => signedOut()}
              onSessionLost={() => signedOut(messageFor('unauthenticated'))}
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
          />
        );
      }
    }
  }

  return (
    <div class="app">
      {screen()}
      {!online && <OfflineOverlay />}
    </div>
  );
}
