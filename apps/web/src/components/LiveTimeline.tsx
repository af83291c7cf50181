import { clockTime } from '../i18n/lockerLabels';
import { defineMessages } from '../i18n/messages';
import type { TimelineEntry } from '../live/lockerTimeline';
import { timelineLabel } from '../live/lockerTimeline';

const text = defineMessages({
  fr: { title: 'Activité en direct', empty: "Les changements du casier s'afficheront ici en direct." },
  en: { title: 'Live activity', empty: 'Changes at the locker will show here as they happen.' },
});

interface LiveTimelineProps {
  entries: TimelineEntry[];
  live: boolean;
}

/** State changes seen live since the page opened, newest first. */
export function LiveTimeline({ entries, live }: LiveTimelineProps) {
  const t = text();
  return (
    <section class="frame timeline" aria-labelledby="timeline-title">
      <h2 class="section-title section-title--small" id="timeline-title">
        <span class={`live-dot ${live ? 'live-dot--on' : ''}`} aria-hidden="true" />
        {t.title}
      </h2>
      <ol class="timeline__list" data-testid="timeline">
        {entries.map((entry) => (
          <li key={entry.seq} class="timeline__item" data-kind={entry.kind} data-state={entry.state}>
            <time class="timeline__time" dateTime={entry.at}>
              {clockTime(new Date(entry.at))}
            </time>{' '}
            <span class="timeline__label">{timelineLabel(entry)}</span>
          </li>
        ))}
      </ol>
      {entries.length === 0 && <p class="timeline__empty">{t.empty}</p>}
    </section>
  );
}
