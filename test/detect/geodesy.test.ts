import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxGapKm, distanceKm } from '../../src/detect/geodesy.ts';
import type { Box } from '../../src/enrich/countries.ts';

const km = (value: number) => Math.round(value * 10) / 10;

test('boxes one above the other are their latitude gap apart: 10° is 1,112 km', () => {
  assert.equal(km(boxGapKm([0, 0, 10, 10], [20, 0, 30, 10])), 1112);
  assert.equal(km(boxGapKm([20, 5, 30, 15], [0, 0, 10, 10])), 1112);
});

test('boxes side by side across the equator are nearest at their corners at 5°, not on it: 1,107.7 km', () => {
  assert.equal(km(boxGapKm([-5, 0, 5, 10], [-5, 20, 5, 30])), 1107.7);
  assert.equal(km(distanceKm({ lat: 5, lon: 10 }, { lat: 5, lon: 20 })), 1107.7);
});

test('at 70° N, 10° of longitude between two boxes is only 379.9 km', () => {
  assert.equal(km(boxGapKm([60, 0, 70, 10], [60, 20, 70, 30])), 379.9);
});

test('across the antimeridian: 170°E–170°W and 160°W–150°W at 50–60° N are 555.4 km apart', () => {
  assert.equal(km(boxGapKm([50, 170, 60, -170], [50, -160, 60, -150])), 555.4);
  assert.equal(km(boxGapKm([50, -160, 60, -150], [50, 170, 60, -170])), 555.4);
});

test('overlapping, touching and world-wide boxes have no gap', () => {
  assert.equal(boxGapKm([0, 0, 10, 10], [5, 5, 15, 15]), 0);
  assert.equal(boxGapKm([0, 0, 10, 10], [10, 10, 20, 20]), 0);
  assert.equal(boxGapKm([-90, -180, -60, 180], [-70, 10, -65, 12]), 0);
  assert.equal(km(boxGapKm([-90, -180, -60, 180], [-50, 10, -40, 12])), 1112);
});

test('the gap never exceeds the distance between any two points of the boxes, and is within 0.1% of the least', () => {
  let seed = 20260302;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const randomBox = (): Box => {
    const minLat = -85 + random() * 150;
    const west = -180 + random() * 360;
    const east = west + 1 + random() * 60;
    return [minLat, west, Math.min(89, minLat + 1 + random() * 25), east > 180 ? east - 360 : east];
  };
  const edge = (box: Box) => {
    const width = (((box[3] - box[1]) % 360) + 360) % 360;
    const points: { lat: number; lon: number }[] = [];
    for (let i = 0; i <= 60; i++) {
      const lat = box[0] + ((box[2] - box[0]) * i) / 60;
      const lon = box[1] + (width * i) / 60;
      points.push(
        { lat, lon: box[1] },
        { lat, lon: box[1] + width },
        { lat: box[0], lon },
        { lat: box[2], lon },
      );
    }
    return points;
  };
  for (let n = 0; n < 60; n++) {
    const [a, b] = [randomBox(), randomBox()];
    const gap = boxGapKm(a, b);
    let least = Infinity;
    for (const p of edge(a)) for (const q of edge(b)) least = Math.min(least, distanceKm(p, q));
    assert.ok(gap <= least + 1e-6, `${a} ${b}: ${gap} > ${least}`);
    assert.ok(least - gap <= Math.max(60, least * 0.001), `${a} ${b}: ${gap} ≪ ${least}`);
  }
});
