import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from '../ops/logger.ts';
import { memoize } from './memo.ts';

export interface Place {
  readonly lat: number;
  readonly lon: number;
  /** Radius within which the true position lies, as the source reports it. */
  readonly accuracyKm: number;
  readonly country?: string;
  readonly region?: string;
  readonly city?: string;
  readonly source: 'geoip' | 'emitter';
}

interface GeoipLite {
  lookup(ip: string): {
    country: string;
    region: string;
    city: string;
    ll: [number | null, number | null];
    area?: number;
  } | null;
  startWatchingDataUpdate(callback?: () => void): void;
  stopWatchingDataUpdate(): void;
}

/** geoip-lite leaves the radius out for some ranges; a country centroid is that coarse. */
const UNKNOWN_ACCURACY_KM = 1000;

/**
 * IP → place, from geoip-lite's MaxMind GeoLite2 data. geoip-lite reads its folder once at load,
 * so the folder is fixed before the module is loaded; a refreshed folder is reloaded in place.
 */
export class GeoLocator {
  readonly #geoip: GeoipLite;
  #dataDate: string | undefined;
  #watching = false;
  readonly #places = memoize((ip: string) => this.#locate(ip));

  private constructor(geoip: GeoipLite, dataDir: string) {
    this.#geoip = geoip;
    this.#dataDate = readDataDate(dataDir);
  }

  static load(options: { dataDir?: string; watch?: boolean; logger?: Logger } = {}): GeoLocator {
    const require = createRequire(import.meta.url);
    if (options.dataDir) process.env.GEODATADIR = options.dataDir;
    const geoip = require('geoip-lite') as GeoipLite;
    const dataDir = options.dataDir ?? join(dirname(require.resolve('geoip-lite/package.json')), 'data');
    const locator = new GeoLocator(geoip, dataDir);
    options.logger?.info({ dataDir, dataDate: locator.dataDate }, 'GeoIP data loaded');
    if (options.watch) {
      locator.#watching = true;
      geoip.startWatchingDataUpdate(() => {
        locator.#dataDate = readDataDate(dataDir);
        locator.#places.clear();
        options.logger?.info({ dataDir, dataDate: locator.dataDate }, 'GeoIP data reloaded');
      });
    }
    return locator;
  }

  /** The build date of the GeoLite2 data (YYYY-MM-DD), shown as evidence on travel alerts. */
  get dataDate(): string | undefined {
    return this.#dataDate;
  }

  lookup(ip: string): Place | undefined {
    return this.#places.get(ip);
  }

  #locate(ip: string): Place | undefined {
    const hit = this.#geoip.lookup(ip);
    const [lat, lon] = hit?.ll ?? [null, null];
    if (!hit || lat === null || lon === null) return undefined;
    return {
      lat,
      lon,
      accuracyKm: hit.area ?? UNKNOWN_ACCURACY_KM,
      ...(hit.country && { country: hit.country }),
      ...(hit.region && { region: hit.region }),
      ...(hit.city && { city: hit.city }),
      source: 'geoip',
    };
  }

  close(): void {
    if (this.#watching) this.#geoip.stopWatchingDataUpdate();
    this.#watching = false;
  }
}

/** geoip-lite records the MaxMind archive it was built from, e.g. "GeoLite2-City-CSV_20231115.zip". */
function readDataDate(dataDir: string): string | undefined {
  try {
    const match = /_(\d{4})(\d{2})(\d{2})\.zip/.exec(readFileSync(join(dataDir, 'city.checksum'), 'utf8'));
    return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
  } catch {
    return undefined;
  }
}
