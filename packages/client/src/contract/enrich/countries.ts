// Copied from src/enrich/countries.ts by `npm run client:contract`; edit the original, not this copy.
import { COUNTRY_BOXES } from './country-boxes.ts';

/** [minLat, west, maxLat, east] in degrees; west > east when the box crosses the antimeridian. */
export type Box = readonly [number, number, number, number];

const boxesByCode: ReadonlyMap<string, readonly Box[]> = new Map(
  COUNTRY_BOXES.trim()
    .split('\n')
    .map((line) => {
      const [code, rest] = [line.slice(0, 2), line.slice(3)];
      return [code, rest.split(', ').map((box) => box.split(' ').map(Number) as unknown as Box)] as const;
    }),
);

/** Every officially assigned ISO 3166-1 alpha-2 code, in capitals. */
export const COUNTRY_CODES: readonly [string, ...string[]] = [...boxesByCode.keys()] as [string, ...string[]];

/** Where a country's land lies (one box per separate part), or undefined for a code not assigned. */
export function countryBoxes(code: string): readonly Box[] | undefined {
  return boxesByCode.get(code);
}
