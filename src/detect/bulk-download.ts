import type { AccessView, Sighting } from '../state/store.ts';
import { DAY_MS, isLearning, type DetectContext, type Signal } from './signal.ts';

/** A device or country first seen this recently makes a bulk download look like exfiltration. */
const RECENT_MS = DAY_MS;

/**
 * Fires once per episode: when the records a user exported or downloaded within the window cross the
 * absolute threshold or a multiple of the user's own baseline, and no window ending at an earlier
 * export inside this one had crossed it. Later exports, and a slow export that keeps the window full
 * as old records leave it, add no alert until the window has been under the limit for a whole window.
 */
export function detectBulkDownload(context: DetectContext, view: AccessView): Signal | undefined {
  const { enriched, settings } = context;
  const bulk = settings.bulk;
  if (view.windowRecords === 0) return undefined;
  const crossed = (limit: number) => view.windowPeakBefore < limit && view.windowRecords >= limit;
  const baselineLimit = Math.max(bulk.baselineMinRecords, bulk.baselineMultiplier * view.baselineRecords);
  const absolute = crossed(bulk.recordsThreshold);
  const aboveBaseline =
    view.baselineSamples >= bulk.baselineMinSamples &&
    baselineLimit < bulk.recordsThreshold &&
    crossed(baselineLimit);
  if (!absolute && !aboveBaseline) return undefined;

  const learning = isLearning(view.profile, enriched.atMs, settings.learning);
  const fresh = (seen: Sighting | undefined) =>
    !learning && (!seen || enriched.atMs - seen.firstMs < RECENT_MS);
  const aggravating = [
    ...(enriched.device && fresh(view.device) ? ['new_device'] : []),
    ...(enriched.placeUsable && enriched.place?.country && fresh(view.country) ? ['new_country'] : []),
  ];
  const event = enriched.event;
  const minutes = bulk.windowMs / 60_000;
  return {
    type: 'bulk_download',
    severity: aggravating.length ? 'critical' : 'high',
    score: aggravating.length ? 0.9 : absolute ? 0.7 : 0.6,
    summary:
      `${view.windowRecords.toLocaleString('en')} records in ${minutes} min ` +
      (absolute
        ? `(threshold ${bulk.recordsThreshold.toLocaleString('en')})`
        : `(baseline ${view.baselineRecords})`) +
      (aggravating.length ? ` from a ${aggravating.join(' and ').replaceAll('_', ' ')}` : ''),
    evidence: {
      records: view.windowRecords,
      recordsBefore: view.windowRecordsBefore,
      events: view.windowEvents,
      windowMinutes: minutes,
      threshold: absolute ? bulk.recordsThreshold : Math.ceil(baselineLimit),
      rule: absolute ? 'absolute' : 'baseline',
      baselineRecords: view.baselineRecords,
      baselineSamples: view.baselineSamples,
      lastAction: 'action' in event ? event.action : null,
      lastResource: 'resource' in event ? event.resource : null,
      aggravating,
    },
  };
}
