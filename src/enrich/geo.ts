import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
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
  /**
   * `country` when the source knows only the country: the coordinates are then a stand-in for the
   * whole country (GeoLite2 puts them at its centre, with a radius of 50 to 1,000 km however wide the
   * country is), so they prove no distance. `city` for a city, or an emitter's own coordinates.
   */
  readonly level: 'city' | 'country';
}

interface GeoipLite {
  lookup(ip: string): {
    country: string;
    region: string;
    city: string;
    ll: [number | null, number | null];
    area?: number;
  } | null;
  reloadData(callback: (err?: Error | null) => void): void;
}

/** geoip-lite leaves the radius out for some ranges; a country centroid is that coarse. */
const UNKNOWN_ACCURACY_KM = 1000;

export type ReloadResult =
  | { readonly ok: true; readonly dataDate: string | undefined }
  | { readonly ok: false; readonly reason: string };

/** geoip-lite reads its folder once, when first loaded: every locator of a process shares that folder. */
let loadedFrom: string | undefined;

/**
 * IP → place, from geoip-lite's MaxMind GeoLite2 data. The folder is fixed before the module is
 * loaded; `reload` reads it again after geoip-lite's updater has rewritten it.
 */
export class GeoLocator {
  readonly #geoip: GeoipLite;
  readonly #dataDir: string;
  readonly #logger: Logger | undefined;
  #dataDate: string | undefined;
  #onHangup: (() => void) | undefined;
  readonly #places = memoize((ip: string) => this.#locate(ip));

  private constructor(geoip: GeoipLite, dataDir: string, logger: Logger | undefined) {
    this.#geoip = geoip;
    this.#dataDir = dataDir;
    this.#logger = logger;
    this.#dataDate = readDataDate(dataDir);
  }

  static load(options: { dataDir?: string; logger?: Logger } = {}): GeoLocator {
    const require = createRequire(import.meta.url);
    // geoip-lite resolves a relative GEODATADIR against its own folder, not the working directory.
    const dataDir = options.dataDir
      ? resolve(options.dataDir)
      : join(dirname(require.resolve('geoip-lite/package.json')), 'data');
    if (loadedFrom !== undefined && loadedFrom !== dataDir) {
      throw new Error(`GeoIP data is already loaded from ${loadedFrom}; cannot also load ${dataDir}`);
    }
    if (options.dataDir) process.env.GEODATADIR = dataDir;
    const geoip = require('geoip-lite') as GeoipLite;
    loadedFrom = dataDir;
    const locator = new GeoLocator(geoip, dataDir, options.logger);
    if (locator.dataDate) {
      options.logger?.info({ dataDir, dataDate: locator.dataDate }, 'GeoIP data loaded');
    } else {
      // Info, not a warning: `replay` prints warnings to a person, and `run` exports the age as
      // `vigil_geo_data_age_seconds`, on which VigilGeoDataStale fires.
      options.logger?.info(
        { dataDir },
        "GeoIP data loaded; its build date is unknown: refresh it with geoip-lite's updater (docs/geolocation.md)",
      );
    }
    return locator;
  }

  /** The build date of the GeoLite2 data (YYYY-MM-DD), shown as evidence on travel alerts. */
  get dataDate(): string | undefined {
    return this.#dataDate;
  }

  /** The data's build time in epoch milliseconds, for its age; undefined when the date is unknown. */
  get dataBuiltAtMs(): number | undefined {
    return this.#dataDate === undefined ? undefined : Date.parse(`${this.#dataDate}T00:00:00Z`);
  }

  lookup(ip: string): Place | undefined {
    return this.#places.get(ip);
  }

  /**
   * Reads the folder again. geoip-lite builds the new tables aside and swaps them in once read whole,
   * so lookups go on meanwhile, and a folder that cannot be read leaves the data in use as it was.
   */
  reload(): Promise<ReloadResult> {
    return new Promise((done) => {
      this.#geoip.reloadData((err) => {
        if (err) {
          this.#logger?.error({ dataDir: this.#dataDir, err: err.message }, 'GeoIP data not reloaded');
          done({ ok: false, reason: err.message });
          return;
        }
        this.#dataDate = readDataDate(this.#dataDir);
        this.#places.clear();
        this.#logger?.info({ dataDir: this.#dataDir, dataDate: this.#dataDate }, 'GeoIP data reloaded');
        done({ ok: true, dataDate: this.#dataDate });
      });
    });
  }

  /**
   * Reloads on SIGHUP, as nginx and Prometheus reload their configuration. A signal, not a watch on the
   * folder: the updater rewrites the files in place one after another over minutes, and a watcher
   * could reload between two of them; the signal comes once the updater has finished.
   */
  reloadOnHangup(): void {
    if (this.#onHangup) return;
    this.#onHangup = () => void this.reload();
    process.on('SIGHUP', this.#onHangup);
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
      level: hit.city ? 'city' : 'country',
    };
  }

  close(): void {
    if (this.#onHangup) process.off('SIGHUP', this.#onHangup);
    this.#onHangup = undefined;
  }
}

/**
 * geoip-lite's updater keeps MaxMind's checksum line, which names the archive it was built from, e.g.
 * "…  GeoLite2-City-CSV_20231115.zip". The data inside the npm package carries no date.
 */
function readDataDate(dataDir: string): string | undefined {
  for (const file of ['city.checksum', 'country.checksum']) {
    try {
      const match = /_(\d{4})(\d{2})(\d{2})\.zip/.exec(readFileSync(join(dataDir, file), 'utf8'));
      if (match) return `${match[1]}-${match[2]}-${match[3]}`;
    } catch {
      // no such file: try the next, or the date is unknown
    }
  }
  return undefined;
}
