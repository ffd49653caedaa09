import type { Config } from '../config/index.ts';
import { loadPolicy } from '../decide/policy.ts';
import { Enricher } from '../enrich/enrich.ts';
import { GeoLocator } from '../enrich/geo.ts';
import { NetworkClassifier } from '../enrich/networks.ts';
import type { Logger } from '../ops/logger.ts';
import type { EventClock } from '../events/event-time.ts';
import { Engine, type IdConflict } from '../pipeline/engine.ts';
import type { GroupAllowlist } from '../state/group-allowlist.ts';
import type { StateStore } from '../state/store.ts';

/** The engine as every command builds it: config read once, parts handed down. */
export function createEngine(
  config: Config,
  store: StateStore,
  logger: Logger,
  options: {
    clock?: EventClock;
    onIdConflict?: (conflict: IdConflict) => void;
    groups?: GroupAllowlist;
  } = {},
) {
  const geo = GeoLocator.load({
    ...(config.geoDataDir && { dataDir: config.geoDataDir }),
    logger: logger.child({ component: 'geo' }),
  });
  const enricher = new Enricher(geo, new NetworkClassifier(config.detect.travel.trustedNetworks), {
    trustedGeoServices: config.trustedGeoServices,
  });
  const engine = new Engine({
    store,
    enricher,
    settings: config.detect,
    policy: loadPolicy(config.policyFile),
    ...(options.clock && { clock: options.clock }),
    ...(options.groups && { groups: options.groups }),
    // Reuse is counted and logged with both sources; each event is still processed as its own.
    onIdConflict: (conflict) => {
      logger.warn({ conflict }, 'two different events share one event_id');
      options.onIdConflict?.(conflict);
    },
  });
  return { engine, geo };
}
