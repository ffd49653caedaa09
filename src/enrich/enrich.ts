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

export class Enricher {
  readonly #geo: GeoLocator;
  readonly #networks: NetworkClassifier;

  constructor(geo: GeoLocator, networks: NetworkClassifier) {
    this.#geo = geo;
    this.#networks = networks;
  }

  get geoDataDate(): string | undefined {
    return this.#geo.dataDate;
  }

  enrich(event: VigilEvent): EnrichedEvent {
    const ip = normalizeIp(event.ip);
    const network = this.#networks.classify(ip);
    const place = placeOf(event, network, this.#geo, ip);
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
}

function placeOf(event: VigilEvent, network: NetworkClass, geo: GeoLocator, ip: string): Place | undefined {
  // The emitter's own coordinates (GPS, a resolver it trusts) beat a lookup of the address.
  if (event.geo) {
    return {
      lat: event.geo.lat,
      lon: event.geo.lon,
      accuracyKm: event.geo.accuracy_km ?? 0,
      ...(event.geo.country && { country: event.geo.country.toUpperCase() }),
      ...(event.geo.city && { city: event.geo.city }),
      source: 'emitter',
    };
  }
  return network === 'public' || network === 'trusted' ? geo.lookup(ip) : undefined;
}
