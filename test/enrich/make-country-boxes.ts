/**
 * Writes src/enrich/country-boxes.ts, the bounding boxes of every ISO 3166-1 alpha-2 code, from the
 * borders of @rapideditor/country-coder (ISC; the OpenStreetMap iD editor's country data).
 * Run: node test/enrich/make-country-boxes.ts
 */
import { writeFileSync } from 'node:fs';
import { borders, feature } from '@rapideditor/country-coder';

type Region = NonNullable<ReturnType<typeof feature>>;
/** [minLat, west, maxLat, east]; west > east when the box crosses the antimeridian. */
type Box = [number, number, number, number];

const byId = (id: string): Region => feature(id)!;

/**
 * The land of a code: its features, less those of officially assigned codes inside it (Réunion is RE,
 * not FR; Guernsey is GG, not GB). Exceptionally reserved parts stay (the Canary Islands, IC, are ES).
 */
function partsOf(code: string): Region[] {
  const root = byId(code);
  const members = (root.properties.members ?? []).map(byId);
  const elsewhere = new Set<string>();
  for (const member of members) {
    if (member.properties.isoStatus !== 'official' || !member.properties.iso1A2) continue;
    elsewhere.add(member.properties.id);
    for (const id of member.properties.members ?? []) elsewhere.add(byId(id).properties.id);
  }
  return [root, ...members].filter((region) => region.geometry && !elsewhere.has(region.properties.id));
}

function ringsOf(region: Region): number[][][] {
  const geometry = region.geometry as { type: string; coordinates: unknown };
  if (geometry.type === 'Polygon') return geometry.coordinates as number[][][];
  return (geometry.coordinates as number[][][][]).flat();
}

const mod360 = (degrees: number) => ((degrees % 360) + 360) % 360;
const widthOf = (box: Box) => (box[1] === -180 && box[3] === 180 ? 360 : mod360(box[3] - box[1]));

/** The smallest box holding a region's outline: longitudes wrap, so the box lies opposite the widest gap. */
function boxOf(region: Region): Box {
  let minLat = 90;
  let maxLat = -90;
  const spans: [number, number][] = [];
  for (const ring of ringsOf(region)) {
    ring.forEach(([lon, lat], i) => {
      const [nextLon] = ring[(i + 1) % ring.length]!;
      minLat = Math.min(minLat, lat!);
      maxLat = Math.max(maxLat, lat!);
      spans.push([Math.min(lon!, nextLon!), Math.max(lon!, nextLon!)]);
    });
  }
  spans.sort((a, b) => a[0] - b[0]);
  const covered: [number, number][] = [];
  for (const [from, to] of spans) {
    const last = covered.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else covered.push([from, to]);
  }
  let widest = { gap: -1, west: -180, east: 180 };
  covered.forEach(([, to], i) => {
    const next = i + 1 < covered.length ? covered[i + 1]![0] : covered[0]![0] + 360;
    if (next - to > widest.gap) widest = { gap: next - to, west: mod360(next + 180) - 180, east: to };
  });
  return widest.gap <= 0 ? [minLat, -180, maxLat, 180] : [minLat, widest.west, maxLat, widest.east];
}

/** Rounded outwards to 0.1°, so a box never shrinks. */
function roundOut([minLat, west, maxLat, east]: Box): Box {
  const down = (x: number) => Math.floor(x * 10 + 1e-9) / 10;
  const up = (x: number) => Math.ceil(x * 10 - 1e-9) / 10;
  if (west === -180 && east === 180) return [down(minLat), -180, up(maxLat), 180];
  return [Math.max(-90, down(minLat)), down(west), Math.min(90, up(maxLat)), up(east)];
}

/** The union of two boxes whose longitudes overlap, or undefined when they do not. */
function merge(a: Box, b: Box): Box | undefined {
  if (a[0] > b[2] || b[0] > a[2]) return undefined;
  const [wa, wb] = [widthOf(a), widthOf(b)];
  const aToB = mod360(b[1] - a[1]);
  const bToA = mod360(a[1] - b[1]);
  if (aToB > wa && bToA > wb) return undefined;
  const lat: [number, number] = [Math.min(a[0], b[0]), Math.max(a[2], b[2])];
  // Start from whichever west edge lies inside the other box and reach the farther east edge.
  const [first, second, offset] = aToB <= wa ? [a, b, aToB] : [b, a, bToA];
  const width = Math.max(widthOf(first), offset + widthOf(second));
  if (width >= 360) return [lat[0], -180, lat[1], 180];
  return [lat[0], first[1], lat[1], mod360(first[1] + width + 180) - 180];
}

function boxesOf(code: string): Box[] {
  const boxes = partsOf(code).map((region) => roundOut(boxOf(region)));
  for (let merged = true; merged;) {
    merged = false;
    outer: for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const union = merge(boxes[i]!, boxes[j]!);
        if (!union) continue;
        boxes.splice(j, 1);
        boxes[i] = union;
        merged = true;
        break outer;
      }
    }
  }
  return boxes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

export function countryBoxesModule(): string {
  const codes = (borders.features as Region[])
    .filter((region) => region.properties.isoStatus === 'official' && region.properties.iso1A2)
    .map((region) => region.properties.iso1A2!)
    .sort();
  const lines = codes.map(
    (code) =>
      `${code} ${boxesOf(code)
        .map((box) => box.map((degrees) => degrees.toFixed(1)).join(' '))
        .join(', ')}`,
  );
  return `/**
 * Generated by test/enrich/make-country-boxes.ts; do not edit. Every officially assigned ISO 3166-1
 * alpha-2 code (${codes.length}) with the bounding boxes of its land, "minLat west maxLat east" in degrees,
 * one box per separate part (Hawaii, Alaska and the contiguous states of US), west > east across the
 * antimeridian. Derived from the borders of @rapideditor/country-coder (ISC licence; the country data
 * of OpenStreetMap's iD editor), whose outlines reach into the sea around each coast, and rounded
 * outwards to 0.1°: the boxes hold all of the land and more, so gaps between them never overstate.
 */
export const COUNTRY_BOXES = \`
${lines.join('\n')}
\`;
`;
}

if (import.meta.main) {
  writeFileSync(new URL('../../src/enrich/country-boxes.ts', import.meta.url), countryBoxesModule());
}
