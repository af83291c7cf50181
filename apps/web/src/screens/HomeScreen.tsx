import { useCallback, useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import { type EndedSession, NO_STATS, type SessionState } from '../api/sessions';
import type { AlertEvent, LockerView, Me, User } from '../api/types';
import { AccountStrip } from '../components/AccountStrip';
import { AlertBanner } from '../components/AlertBanner';
import { AppHeader } from '../components/AppHeader';
import { useBookingFeed } from '../components/booking/bookingFeed';
import { SchoolBookingPanel } from '../components/booking/SchoolBookingPanel';
import { FormError } from '../components/FormError';
import { LiveTimeline } from '../components/LiveTimeline';
import { LockerCard } from '../components/LockerCard';
import { PairForm } from '../components/PairForm';
import { PremiumNotice } from '../components/PremiumNotice';
import { PremiumToggle } from '../components/PremiumToggle';
import { ReconnectIndicator } from '../components/ReconnectIndicator';
import { SessionEndedNotice } from '../components/session/SessionEndedNotice';
import { SportSessionPanel } from '../components/session/SportSessionPanel';
import { StatsStrip } from '../components/session/StatsStrip';
import { WorkbenchLink } from '../components/workbench/WorkbenchLink';
import { defineMessages } from '../i18n/messages';
import { initialLockerLiveState, lockerLiveReducer } from '../live/lockerTimeline';
import { useLiveEvents } from '../live/useLiveEvents';
import { useOpenCommand } from '../live/useOpenCommand';

const text = defineMessages({
  fr: {
    unpairing: 'Dissociation…',
    unpair: 'Dissocier le casier',
    alreadyPaired: (code: string) =>
      `Vous avez déjà un casier associé : pour associer ${code}, dissociez d'abord celui-ci.`,
    ok: 'OK',
  },
  en: {
    unpairing: 'Unpairing…',
    unpair: 'Unpair the locker',
    alreadyPaired: (code: string) => `You already have a paired locker: to pair ${code}, unpair this one first.`,
    ok: 'OK',
  },
});

interface HomeScreenProps {
  me: Me;
  onOpenSettings(): void;
  /** Demo mode: opens the workbench of simulated lockers. */
  onOpenWorkbench?(): void;
  /** A school locker: opens the booking calendar (/reserver). */
  onOpenBooking(): void;
  /** The history of sessions (/historique, issue 6). */
  onOpenHistory?(): void;
  onUserChange(user: User): void;
  onSignedOut(): void;
  /** An API call answered 401: the session is gone. */
  onSessionLost(): void;
  /** The event stream was refused: check whether the session is still valid. */
  onStreamRefused(): void;
  /** A code from a locker's QR code link (/p/<CODE>), waiting to be paired. */
  pendingCode?: string | null;
  /** The pending code was paired, or cannot be (a locker is already paired). */
  onPendingCodeHandled?(): void;
}

const NO_LOCKER = 'none';

export function HomeScreen({
  me,
  onOpenSettings,
  onOpenWorkbench,
  onOpenBooking,
  onOpenHistory,
  onUserChange,
  onSignedOut,
  onSessionLost,
  onStreamRefused,
  pendingCode = null,
  onPendingCodeHandled,
}: HomeScreenProps) {
  const [live, dispatch] = useReducer(lockerLiveReducer, me.locker, initialLockerLiveState);
  const [actionError, setActionError] = useState<string | null>(null);
  const [alert, setAlert] = useState<AlertEvent | null>(null);
  const [busy, setBusy] = useState<'unpair' | 'signout' | null>(null);
  const openCommand = useOpenCommand(onSessionLost);
  const bookingFeed = useBookingFeed();
  // Issue 6: the running sport session and the member's totals, pushed on the stream.
  const [sessionState, setSessionState] = useState<SessionState>({
    session: me.session ?? null,
    stats: me.stats ?? NO_STATS,
  });
  const [endedSession, setEndedSession] = useState<EndedSession | null>(null);
  const locker = live.locker;
  // A QR link while a locker is paired: say so once, instead of a form that would refuse it.
  const [linkNotice, setLinkNotice] = useState<string | null>(null);
  useEffect(() => {
    if (!pendingCode || !locker) return;
    setLinkNotice(pendingCode);
    onPendingCodeHandled?.();
  }, [pendingCode, locker, onPendingCodeHandled]);

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
    onBooking: bookingFeed.booking,
    onReminder: bookingFeed.reminder,
    onSession: setSessionState,
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
        {linkNotice && (
          <p class="notice notice--info" role="status" data-testid="pair-link-notice">
            {text().alreadyPaired(linkNotice)}{' '}
            <button type="button" class="link-button" onClick={() => setLinkNotice(null)}>
              {text().ok}
            </button>
          </p>
        )}
        {endedSession && <SessionEndedNotice session={endedSession} onDismiss={() => setEndedSession(null)} />}

        {locker ? (
          <>
            <LockerCard locker={locker}>
              {premiumRequired && <PremiumNotice demoMode={demoMode}>{toggle}</PremiumNotice>}
              {locker.type === 'school' ? (
                <SchoolBookingPanel
                  locker={locker}
                  feed={bookingFeed}
                  live={connection === 'open'}
                  openCommand={openCommand}
                  onOpenBooking={onOpenBooking}
                  onSessionLost={onSessionLost}
                />
              ) : (
                <SportSessionPanel
                  locker={locker}
                  session={sessionState.session}
                  premium={user.premium}
                  openCommand={openCommand}
                  onStarted={(session) => {
                    setEndedSession(null);
                    setSessionState((state) => ({ ...state, session }));
                  }}
                  onEnded={(session) => {
                    setEndedSession(session);
                    setSessionState((state) => ({ ...state, session: null }));
                  }}
                  onPremiumLost={() => onUserChange({ ...user, premium: false })}
                  onSessionLost={onSessionLost}
                />
              )}
            </LockerCard>
            <LiveTimeline entries={live.timeline} live={connection === 'open'} />
            <button
              type="button"
              class="btn btn--danger btn--block"
              data-testid="unpair"
              onClick={() => void unpair()}
              disabled={busy === 'unpair'}
            >
              {busy === 'unpair' ? text().unpairing : text().unpair}
            </button>
          </>
        ) : (
          <PairForm
            onPaired={(paired) => {
              onPendingCodeHandled?.();
              show(paired);
            }}
            onSessionLost={onSessionLost}
            initialCode={pendingCode}
          />
        )}
        <StatsStrip stats={sessionState.stats} onOpenHistory={onOpenHistory} />
        {demoMode && onOpenWorkbench && <WorkbenchLink onOpen={onOpenWorkbench} />}
      </main>
    </div>
  );
}
