import type { Box } from '../enrich/countries.ts';

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;

const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance by the haversine formula. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = radians(b.lat - a.lat);
  const dLon = radians(b.lon - a.lon);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const mod360 = (degrees: number) => ((degrees % 360) + 360) % 360;
const widthOf = (box: Box) => (box[1] === -180 && box[3] === 180 ? 360 : mod360(box[3] - box[1]));

/**
 * The least great-circle distance between any point of one box and any point of the other: no two
 * places inside them are closer. Exact on the sphere: the nearest pair lies on the facing meridian
 * edges (distance grows with the difference in longitude), and between two meridian arcs that do not
 * meet, the least distance is from an end of one arc to the other arc.
 */
export function boxGapKm(a: Box, b: Box): number {
  const aToB = mod360(b[1] - a[1]);
  const bToA = mod360(a[1] - b[1]);
  const lonGap =
    aToB <= widthOf(a) || bToA <= widthOf(b) ? 0 : Math.min(aToB - widthOf(a), bToA - widthOf(b));
  if (lonGap === 0) return EARTH_RADIUS_KM * radians(Math.max(0, b[0] - a[2], a[0] - b[2]));
  if ((a[2] === 90 && b[2] === 90) || (a[0] === -90 && b[0] === -90)) return 0; // both reach the pole
  const delta = radians(lonGap);
  return Math.min(
    arcDistanceKm(a[0], delta, b[0], b[2]),
    arcDistanceKm(a[2], delta, b[0], b[2]),
    arcDistanceKm(b[0], delta, a[0], a[2]),
    arcDistanceKm(b[2], delta, a[0], a[2]),
  );
}

/** From the point at latitude `lat` to the meridian arc `delta` radians of longitude away, `from`–`to`. */
function arcDistanceKm(lat: number, delta: number, from: number, to: number): number {
  const phi = radians(lat);
  const [low, high] = [radians(from), radians(to)];
  // cos(distance) to latitude x on the arc is sin φ sin x + cos φ cos x cos δ, largest nearest to θ.
  const theta = Math.atan2(Math.sin(phi), Math.cos(phi) * Math.cos(delta));
  const cosine = (x: number) => Math.sin(phi) * Math.sin(x) + Math.cos(phi) * Math.cos(x) * Math.cos(delta);
  const best = Math.max(cosine(low), cosine(high), cosine(Math.min(high, Math.max(low, theta))));
  return EARTH_RADIUS_KM * Math.acos(Math.min(1, Math.max(-1, best)));
}
