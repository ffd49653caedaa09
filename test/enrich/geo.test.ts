import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeoLocator } from '../../src/enrich/geo.ts';
import { createLogger } from '../../src/ops/logger.ts';

// A data folder as geoip-lite's updater leaves it: the tables, and MaxMind's checksum line naming the
// archive. The tables are the package's own, linked; the checksum line is what the test changes.
const packaged = join(dirname(createRequire(import.meta.url).resolve('geoip-lite/package.json')), 'data');
const dir = mkdtempSync(join(tmpdir(), 'vigil-geo-'));
for (const file of readdirSync(packaged).filter((name) => name.endsWith('.dat'))) {
  symlinkSync(join(packaged, file), join(dir, file));
}
const checksum = (yyyymmdd: string) =>
  writeFileSync(
    join(dir, 'city.checksum'),
    `3199e360831e6937f72245c88c94c023  GeoLite2-City-CSV_${yyyymmdd}.zip\n`,
  );
checksum('20260407');

const logged: { level: string; msg: string; dataDate?: string }[] = [];
const logger = createLogger({
  level: 'info',
  destination: {
    write: (line: string) => {
      const { level, msg, dataDate } = JSON.parse(line) as { level: number; msg: string; dataDate?: string };
      logged.push({
        level: level >= 50 ? 'error' : level >= 40 ? 'warn' : 'info',
        msg,
        ...(dataDate && { dataDate }),
      });
    },
  },
});
// A relative folder is the working directory's, not geoip-lite's (which would resolve it against its own).
const geo = GeoLocator.load({ dataDir: relative(process.cwd(), dir), logger });

test.after(() => {
  geo.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the data's build date comes from the updater's checksum line, and is logged at start-up", () => {
  assert.equal(geo.dataDate, '2026-04-07');
  assert.equal(geo.dataBuiltAtMs, Date.parse('2026-04-07T00:00:00Z'));
  assert.deepEqual(logged[0], { level: 'info', msg: 'GeoIP data loaded', dataDate: '2026-04-07' });
});

test('a second folder in one process is refused: geoip-lite reads one, once', () => {
  assert.throws(() => GeoLocator.load(), /GeoIP data is already loaded from /);
});

test('a city address is city-level; an address known only to its country is country-level', () => {
  assert.deepEqual(geo.lookup('177.148.157.16'), {
    lat: -23.63,
    lon: -46.6322,
    accuracyKm: 20,
    country: 'BR',
    region: 'SP',
    city: 'São Paulo',
    source: 'geoip',
    level: 'city',
  });
  assert.deepEqual(geo.lookup('179.76.200.34'), {
    lat: -22.8305,
    lon: -43.2192,
    accuracyKm: 1000,
    country: 'BR',
    source: 'geoip',
    level: 'country',
  });
});

test('reload reads the refreshed folder: the new build date, the same lookups', async () => {
  checksum('20260512');
  assert.deepEqual(await geo.reload(), { ok: true, dataDate: '2026-05-12' });
  assert.equal(geo.dataDate, '2026-05-12');
  assert.equal(geo.lookup('177.148.157.16')?.city, 'São Paulo');
  assert.deepEqual(logged.at(-1), { level: 'info', msg: 'GeoIP data reloaded', dataDate: '2026-05-12' });
});

test('SIGHUP reloads the folder', async () => {
  geo.reloadOnHangup();
  checksum('20260602');
  process.kill(process.pid, 'SIGHUP');
  for (let i = 0; i < 200 && geo.dataDate !== '2026-06-02'; i++) await sleep(10);
  assert.equal(geo.dataDate, '2026-06-02');
});

test('a folder that cannot be read leaves the data in use as it was', async () => {
  for (const file of readdirSync(dir).filter(
    (name) => name.startsWith('geoip-country') || name.includes('city'),
  )) {
    unlinkSync(join(dir, file));
  }
  checksum('20260701');
  const result = await geo.reload();
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /ENOENT/);
  assert.equal(geo.dataDate, '2026-06-02');
  assert.equal(geo.lookup('177.148.157.16')?.city, 'São Paulo');
  assert.equal(logged.at(-1)?.msg, 'GeoIP data not reloaded');
});
