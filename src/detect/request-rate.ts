import type { AccessView } from '../state/store.ts';
import { isLearning, learningEvidence, round, type DetectContext, type Signal } from './signal.ts';

/**
 * A user's access events of every action (reads too, whatever their record counts) far above their
 * own usual rate: scraping with many small reads, which never adds up to a bulk download. Usual is a
 * percentile of the user's hourly counts in their active hours, kept in state; the rule waits for
 * enough such hours and the learning period, and never fires under a floor, so a quiet user's ten
 * reads stay quiet. Above a ceiling it fires whatever the baseline. Like bulk download it fires once
 * per episode: when a window holding the event crosses the limit while no window near it had.
 */
export function detectRequestRate(context: DetectContext, view: AccessView): Signal | undefined {
  const { enriched, settings } = context;
  const rate = settings.rate;
  if (view.windowRequests === 0) return undefined;
  const hours = rate.windowMs / 3_600_000;
  const crossed = (limit: number) => view.requestPeakBefore < limit && view.windowRequests >= limit;
  // The baseline is per hour; a window of another length scales it.
  const baselineLimit = Math.max(
    rate.minEvents,
    Math.ceil(rate.multiplier * view.usualRequestsPerHour * hours),
  );
  const learned =
    view.baselineHours >= rate.baselineMinHours &&
    !isLearning(view.profile, enriched.atMs, settings.learning);
  const absolute = crossed(rate.maxEvents);
  const aboveBaseline = learned && baselineLimit < rate.maxEvents && crossed(baselineLimit);
  if (!absolute && !aboveBaseline) return undefined;
  const event = enriched.event;
  const minutes = rate.windowMs / 60_000;
  const perHour = round(view.windowRequests / hours, 1);
  return {
    type: 'unusual_request_rate',
    severity: absolute ? 'high' : 'medium',
    score: absolute ? 0.6 : 0.5,
    summary:
      `${view.windowRequests.toLocaleString('en')} requests in ${minutes} min ` +
      (absolute
        ? `(ceiling ${rate.maxEvents.toLocaleString('en')})`
        : `(usually ${view.usualRequestsPerHour} an hour, limit ${baselineLimit})`),
    evidence: {
      requests: view.windowRequests,
      requestsPerHour: perHour,
      windowMinutes: minutes,
      usualRequestsPerHour: view.usualRequestsPerHour,
      medianRequestsPerHour: view.medianRequestsPerHour,
      percentile: rate.baselinePercentile,
      baselineHours: view.baselineHours,
      threshold: absolute ? rate.maxEvents : baselineLimit,
      rule: absolute ? 'ceiling' : 'baseline',
      lastAction: 'action' in event ? event.action : null,
      lastResource: 'resource' in event ? event.resource : null,
      history: learningEvidence(view.profile, enriched.atMs),
    },
  };
}
