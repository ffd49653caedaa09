import type { AccessView } from '../state/store.ts';
import { DAY_MS, isLearning, learningEvidence, round, type DetectContext, type Signal } from './signal.ts';

/**
 * A burst of first accesses to resources the user never reached (someone exploring what an account
 * can see), once the user is past the learning period and has a history of access as long. One first
 * access is ordinary, and so is a new project reached over days: only a window holding many fires, once,
 * when it crosses the threshold while no window near it had. Resources are counted by family
 * (`resourceNormaliser`), so ids in paths do not make every record a new resource.
 */
export function detectResourceExploration(
  context: DetectContext,
  view: AccessView,
  resource: string | undefined,
): Signal | undefined {
  const { enriched, settings } = context;
  const limits = settings.resources;
  if (view.newResources === 0 || resource === undefined) return undefined;
  if (!(view.newResourcesBefore < limits.newThreshold && view.newResources >= limits.newThreshold))
    return undefined;
  if (isLearning(view.profile, enriched.atMs, settings.learning)) return undefined;
  const accessDays = view.accessSinceMs === undefined ? 0 : (enriched.atMs - view.accessSinceMs) / DAY_MS;
  if (accessDays < settings.learning.days) return undefined;
  const minutes = limits.windowMs / 60_000;
  return {
    type: 'resource_exploration',
    severity: 'medium',
    score: 0.5,
    summary: `${view.newResources} resources never accessed before reached in ${minutes} min (${view.knownResources} known)`,
    evidence: {
      newResources: view.newResources,
      windowMinutes: minutes,
      threshold: limits.newThreshold,
      knownResources: view.knownResources,
      resource,
      rawResource: 'resource' in enriched.event ? enriched.event.resource : null,
      accessHistoryDays: round(accessDays, 1),
      history: learningEvidence(view.profile, enriched.atMs),
    },
  };
}
