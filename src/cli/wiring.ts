import type { Config } from '../config/index.ts';
import { loadPolicy } from '../decide/policy.ts';
import { Enricher } from '../enrich/enrich.ts';
import { GeoLocator } from '../enrich/geo.ts';
import { NetworkClassifier } from '../enrich/networks.ts';
import type { Logger } from '../ops/logger.ts';
import { Engine } from '../pipeline/engine.ts';
import type { StateStore } from '../state/store.ts';

/** The engine as every command builds it: config read once, parts handed down. */
export function createEngine(config: Config, store: StateStore, logger: Logger) {
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
  });
  return { engine, geo };
}
