import { useCallback, useReducer, useRef, useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import type { AlertEvent, LockerView, Me, User } from '../api/types';
import { AccountStrip } from '../components/AccountStrip';
import { AlertBanner } from '../components/AlertBanner';
import { AppHeader } from '../components/AppHeader';
import { FormError } from '../components/FormError';
import { LiveTimeline } from '../components/LiveTimeline';
import { LockerCard } from '../components/LockerCard';
import { OpenControl } from '../components/OpenControl';
import { PairForm } from '../components/PairForm';
import { PremiumNotice } from '../components/PremiumNotice';
import { PremiumToggle } from '../components/PremiumToggle';
import { ReconnectIndicator } from '../components/ReconnectIndicator';
import { WorkbenchLink } from '../components/workbench/WorkbenchLink';
import { initialLockerLiveState, lockerLiveReducer } from '../live/lockerTimeline';
import { useLiveEvents } from '../live/useLiveEvents';
import { useOpenCommand } from '../live/useOpenCommand';

interface HomeScreenProps {
  me: Me;
  onOpenSettings(): void;
  /** Demo mode: opens the workbench of simulated lockers. */
  onOpenWorkbench?(): void;
  onUserChange(user: User): void;
  onSignedOut(): void;
  /** An API call answered 401: the session is gone. */
  onSessionLost(): void;
  /** The event stream was refused: check whether the session is still valid. */
  onStreamRefused(): void;
}

const NO_LOCKER = 'none';

export function HomeScreen({
  me,
  onOpenSettings,
  onOpenWorkbench,
  onUserChange,
  onSignedOut,
  onSessionLost,
  onStreamRefused,
}: HomeScreenProps) {
  const [live, dispatch] = useReducer(lockerLiveReducer, me.locker, initialLockerLiveState);
  const [actionError, setActionError] = useState<string | null>(null);
  const [alert, setAlert] = useState<AlertEvent | null>(null);
  const [busy, setBusy] = useState<'unpair' | 'signout' | null>(null);
  const openCommand = useOpenCommand(onSessionLost);
  const locker = live.locker;

  // Which locker the screen shows, updated synchronously: the stream is reopened for it only
  // after the next render, and an event the old stream sends meanwhile is stale.
  const shownKey = useRef(me.locker?.id ?? NO_LOCKER);
  const show = useCallback((view: LockerView | null) => {
    shownKey.current = view?.id ?? NO_LOCKER;
    dispatch(view ? { type: 'view', view, receivedAt: new Date() } : { type: 'unpaired' });
  }, []);

  const connection = useLiveEvents(locker?.id ?? NO_LOCKER, {
    onLocker: (view, streamKey) => {
      if (streamKey === shownKey.current) show(view);
    },
    onCommand: openCommand.acknowledge,
    onAlert: setAlert,
    onGaveUp: onStreamRefused,
  });

  function fail(error: unknown) {
    const { code } = asApiError(error);
    if (code === 'unauthenticated') onSessionLost();
    else setActionError(messageFor(code));
  }

  async function unpair() {
    setBusy('unpair');
    setActionError(null);
    try {
      await api.unpair();
      show(null);
    } catch (error) {
      fail(error);
    } finally {
      setBusy(null);
    }
  }

  async function signOut() {
    setBusy('signout');
    setActionError(null);
    try {
      await api.signOut();
      onSignedOut();
    } catch (error) {
      fail(error);
      setBusy(null);
    }
  }

  const { user, demoMode } = me;
  const premiumRequired = locker?.type === 'sport' && !user.premium;
  const toggle = demoMode && (
    <PremiumToggle premium={user.premium} onUserChange={onUserChange} onSessionLost={onSessionLost} />
  );

  return (
    <div class="home">
      <AppHeader onSignOut={() => void signOut()} signingOut={busy === 'signout'} />
      {connection === 'reconnecting' && <ReconnectIndicator />}

      <main class="home__main">
        <AccountStrip user={user} onOpenSettings={onOpenSettings}>
          {!premiumRequired && toggle}
        </AccountStrip>
        <FormError message={actionError} testId="action-error" />
        {alert && <AlertBanner alert={alert} onDismiss={() => setAlert(null)} />}

        {locker ? (
          <>
            <LockerCard locker={locker}>
              {premiumRequired && <PremiumNotice demoMode={demoMode}>{toggle}</PremiumNotice>}
              <OpenControl
                online={locker.online}
                state={openCommand.state}
                onOpen={() => void openCommand.open(locker.id)}
              />
            </LockerCard>
            <LiveTimeline entries={live.timeline} live={connection === 'open'} />
            <button
              type="button"
              class="btn btn--danger btn--block"
              data-testid="unpair"
              onClick={() => void unpair()}
              disabled={busy === 'unpair'}
            >
              {busy === 'unpair' ? 'Dissociation…' : 'Dissocier le casier'}
            </button>
          </>
        ) : (
          <PairForm onPaired={show} onSessionLost={onSessionLost} />
        )}
        {demoMode && onOpenWorkbench && <WorkbenchLink onOpen={onOpenWorkbench} />}
      </main>
    </div>
  );
}
