import { clockTime } from '../i18n/lockerLabels';
import type { TimelineEntry } from '../live/lockerTimeline';

interface LiveTimelineProps {
  entries: TimelineEntry[];
  live: boolean;
}

/** State changes seen live since the page opened, newest first. */
export function LiveTimeline({ entries, live }: LiveTimelineProps) {
  return (
    <section class="frame timeline" aria-labelledby="timeline-title">
      <h2 class="section-title section-title--small" id="timeline-title">
        <span class={`live-dot ${live ? 'live-dot--on' : ''}`} aria-hidden="true" />
        Activité en direct
      </h2>
      <ol class="timeline__list" data-testid="timeline">
        {entries.map((entry) => (
          <li key={entry.seq} class="timeline__item" data-kind={entry.kind} data-state={entry.state}>
            <time class="timeline__time" dateTime={entry.at}>
              {clockTime(new Date(entry.at))}
            </time>{' '}
            <span class="timeline__label">{entry.label}</span>
          </li>
        ))}
      </ol>
      {entries.length === 0 && <p class="timeline__empty">Les changements du casier s'afficheront ici en direct.</p>}
    </section>
  );
}
