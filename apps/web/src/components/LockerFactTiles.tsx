import type { LockerView } from '../api/types';
import { doorLabel, lockLabel, objectPresenceLabel } from '../i18n/lockerLabels';
import { defineMessages } from '../i18n/messages';
import { StateTile } from './StateTile';

const text = defineMessages({
  fr: { door: 'Porte', lock: 'Serrure', content: 'Contenu' },
  en: { door: 'Door', lock: 'Lock', content: 'Content' },
});

interface LockerFactTilesProps {
  locker: Pick<LockerView, 'door' | 'lock' | 'objectPresent'>;
  /** Test ids of the door, lock and content tiles (the home card and the workbench use their own). */
  testIds: { door: string; lock: string; object: string };
}

/** Door, lock and content as the server last saw them: the same three tiles wherever a locker is shown. */
export function LockerFactTiles({ locker, testIds }: LockerFactTilesProps) {
  const t = text();
  return (
    <>
      <StateTile
        caption={t.door}
        label={doorLabel(locker.door)}
        state={locker.door}
        tone={locker.door === 'open' ? 'alert' : locker.door === 'closed' ? 'good' : 'neutral'}
        testId={testIds.door}
      />
      <StateTile
        caption={t.lock}
        label={lockLabel(locker.lock)}
        state={locker.lock}
        tone={locker.lock === 'unlocked' ? 'alert' : 'good'}
        testId={testIds.lock}
      />
      <StateTile
        caption={t.content}
        label={objectPresenceLabel(locker.objectPresent)}
        state={locker.objectPresent === null ? 'unknown' : String(locker.objectPresent)}
        tone="neutral"
        testId={testIds.object}
      />
    </>
  );
}
