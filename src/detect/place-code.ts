import type { EnrichedEvent } from '../enrich/enrich.ts';

/** A sign-in's place as kept in state: compact, and enough to explain a travel alert later. */
export interface StoredPlace {
  readonly lat: number;
  readonly lon: number;
  readonly accuracyKm: number;
  readonly ip: string;
  readonly country?: string;
  readonly city?: string;
}

export function encodePlace(enriched: EnrichedEvent): string | undefined {
  const place = enriched.placeUsable ? enriched.place : undefined;
  if (!place) return undefined;
  return JSON.stringify([
    Math.round(place.lat * 1e4) / 1e4,
    Math.round(place.lon * 1e4) / 1e4,
    place.accuracyKm,
    enriched.ip,
    place.country ?? '',
    place.city ?? '',
  ]);
}

export function decodePlace(code: string): StoredPlace {
  const [lat, lon, accuracyKm, ip, country, city] = JSON.parse(code) as [
    number,
    number,
    number,
    string,
    string,
    string,
  ];
  return { lat, lon, accuracyKm, ip, ...(country && { country }), ...(city && { city }) };
}
