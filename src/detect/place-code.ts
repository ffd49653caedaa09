import type { EnrichedEvent } from '../enrich/enrich.ts';

const SEPARATOR = ';';
/** The level field: empty for a city (or finer), this for a place known only to its country. */
const COUNTRY_LEVEL = 'c';

/** A sign-in's place as kept in state: compact, and enough to explain a travel alert later. */
export interface StoredPlace {
  readonly lat: number;
  readonly lon: number;
  readonly accuracyKm: number;
  readonly ip: string;
  readonly country?: string;
  readonly city?: string;
  /** `country` when only the country is known: the coordinates then stand for the whole country. */
  readonly level: 'city' | 'country';
}

/**
 * `lat;lon;accuracyKm;ip;country;city;level`, level `c` for country-level places and empty otherwise.
 * Short on purpose: a sign-in history whose members stay under Redis's 64-byte listpack limit takes
 * half the memory of one that does not.
 */
export function encodePlace(enriched: EnrichedEvent): string | undefined {
  const place = enriched.placeUsable ? enriched.place : undefined;
  if (!place) return undefined;
  const round = (degrees: number) => Math.round(degrees * 1e4) / 1e4;
  const city = (place.city ?? '').replaceAll(SEPARATOR, ' ');
  return [
    round(place.lat),
    round(place.lon),
    place.accuracyKm,
    enriched.ip,
    place.country ?? '',
    city,
    place.level === 'country' ? COUNTRY_LEVEL : '',
  ].join(SEPARATOR);
}

export function decodePlace(code: string): StoredPlace {
  // Places stored by earlier releases are JSON arrays, or lack the level; they age out with the
  // sign-in history. GeoIP wrote them, and GeoIP names no city for a country-level place.
  const fields = code.startsWith('[') ? (JSON.parse(code) as unknown[]).map(String) : code.split(SEPARATOR);
  const [lat, lon, accuracyKm, ip, country, city, level] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const countryLevel = level === undefined ? !city : level === COUNTRY_LEVEL;
  return {
    lat: Number(lat),
    lon: Number(lon),
    accuracyKm: Number(accuracyKm),
    ip,
    ...(country && { country }),
    ...(city && { city }),
    level: countryLevel ? 'country' : 'city',
  };
}
