import type { VigilEvent } from '../events/index.ts';
import { identifyDevice, type Device } from './device.ts';
import type { GeoLocator, Place } from './geo.ts';
import { normalizeIp, type NetworkClassifier, type NetworkClass } from './networks.ts';

export interface EnrichedEvent {
  readonly event: VigilEvent;
  /** `occurred_at` in epoch milliseconds: all windows run on event time. */
  readonly atMs: number;
  readonly ip: string;
  readonly network: NetworkClass;
  /** Where the user was; absent for private, reserved and unknown addresses. */
  readonly place?: Place;
  /** Whether `place` may be used for travel and new-country signals (not on trusted networks). */
  readonly placeUsable: boolean;
  readonly device?: Device;
}

export interface EnricherOptions {
  /**
   * Emitters (by the event's `service`) whose `geo` is taken over the address's own location. Anyone
   * who can send events can write `geo`, so by default none is: a client claiming to be at home
   * would otherwise turn a sign-in from abroad into an ordinary one.
   */
  readonly trustedGeoServices?: readonly string[];
}

export class Enricher {
  readonly #geo: GeoLocator;
  readonly #networks: NetworkClassifier;
  readonly #trustedGeoServices: ReadonlySet<string>;

  constructor(geo: GeoLocator, networks: NetworkClassifier, options: EnricherOptions = {}) {
    this.#geo = geo;
    this.#networks = networks;
    this.#trustedGeoServices = new Set(options.trustedGeoServices ?? []);
  }

  get geoDataDate(): string | undefined {
    return this.#geo.dataDate;
  }

  enrich(event: VigilEvent): EnrichedEvent {
    const ip = normalizeIp(event.ip);
    const network = this.#networks.classify(ip);
    const place = this.#placeOf(event, network, ip);
    const device = identifyDevice(event.device_id, event.user_agent);
    return {
      event,
      atMs: Date.parse(event.occurred_at),
      ip,
      network,
      ...(place && { place }),
      placeUsable: place !== undefined && network !== 'trusted',
      ...(device && { device }),
    };
  }

  #placeOf(event: VigilEvent, network: NetworkClass, ip: string): Place | undefined {
    // A trusted emitter's own coordinates (GPS, a resolver it runs) beat a lookup of the address.
    if (event.geo && event.service !== undefined && this.#trustedGeoServices.has(event.service)) {
      return {
        lat: event.geo.lat,
        lon: event.geo.lon,
        accuracyKm: event.geo.accuracy_km ?? 0,
        ...(event.geo.country && { country: event.geo.country }),
        ...(event.geo.city && { city: event.geo.city }),
        source: 'emitter',
        level: 'city',
      };
    }
    return network === 'public' || network === 'trusted' ? this.#geo.lookup(ip) : undefined;
  }
}
