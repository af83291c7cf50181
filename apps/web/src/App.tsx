import { useEffect } from 'preact/hooks';
import { messageFor } from './api/errorMessages';
import type { User } from './api/types';
import { OfflineOverlay } from './components/OfflineOverlay';
import { useNetworkStatus } from './hooks/useNetworkStatus';
import { useSession } from './hooks/useSession';
import { useRoute } from './router';
import { AuthScreen } from './screens/AuthScreen';
import { HomeScreen } from './screens/HomeScreen';
import { StartupScreen } from './screens/StartupScreen';

export function App() {
  const online = useNetworkStatus();
  const { session, load, verify, setMe, signedOut } = useSession();
  const [route, navigate] = useRoute();

  // The URL follows the session: signed-out users are on an auth route, signed-in users at home.
  useEffect(() => {
    if (session.status === 'signed-out' && route !== 'signin' && route !== 'signup') {
      navigate('signin', { replace: true });
    } else if (session.status === 'signed-in' && route !== 'home') {
      navigate('home', { replace: true });
    }
  }, [session.status, route, navigate]);

  function screen() {
    switch (session.status) {
      case 'loading':
        return <StartupScreen />;
      case 'unreachable':
        return <StartupScreen error={session.message} onRetry={() => void load()} />;
      case 'signed-out':
        return (
          <AuthScreen
            mode={route === 'signup' ? 'signup' : 'signin'}
            onModeChange={(mode) => navigate(mode)}
            onAuthenticated={load}
            notice={session.notice}
          />
        );
      case 'signed-in': {
        const { me } = session;
        return (
          <HomeScreen
            me={me}
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
