import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { detectSchema } from '../../src/config/schema.ts';
import { DEFAULT_POLICY } from '../../src/decide/policy.ts';
import { Enricher } from '../../src/enrich/enrich.ts';
import { GeoLocator } from '../../src/enrich/geo.ts';
import { NetworkClassifier } from '../../src/enrich/networks.ts';
import { fixedClock } from '../../src/events/event-time.ts';
import { Engine, stateLimits, type IdConflict, type Outcome } from '../../src/pipeline/engine.ts';
import { MemoryStateStore } from '../../src/state/memory/store.ts';
import { StateKeys } from '../../src/state/redis/keys.ts';
import { RedisStateStore } from '../../src/state/redis/store.ts';
import type { StateStore } from '../../src/state/store.ts';
import { createRedis, uniqueName } from '../harness/factories.ts';

/**
 * Single events that pass validation and tried to blind, stall or mislead detection: each is held off
 * on the in-memory store (`replay`) and on Redis (`run`) alike.
 */
const geo = GeoLocator.load();
const settings = detectSchema.parse({});
const NOW = Date.parse('2026-03-02T12:00:00Z');
const T = Date.parse('2026-03-01T09:00:00Z');
const MIN = 60_000;
const ST_ALBANS = '81.2.69.160';
const SAO_PAULO = '177.148.157.16';

const STORES: Record<string, (t: TestContext) => Promise<StateStore>> = {
  memory: async () => new MemoryStateStore(stateLimits(settings)),
  redis: async (t) =>
    new RedisStateStore(
      await createRedis(t),
      new StateKeys(`${uniqueName('trust')}:`),
      stateLimits(settings),
    ),
};

function engineOn(store: StateStore, conflicts: IdConflict[] = []) {
  return new Engine({
    store,
    enricher: new Enricher(geo, new NetworkClassifier()),
    settings,
    policy: DEFAULT_POLICY,
    clock: fixedClock(NOW),
    onIdConflict: (conflict) => conflicts.push(conflict),
  });
}

async function run(engine: Engine, events: readonly Record<string, unknown>[]): Promise<Outcome[]> {
  const processed = await engine.process(events.map((event) => ({ value: JSON.stringify(event) })));
  await processed.release();
  return [...processed.outcomes];
}

let n = 0;
const at = (ms: number) => new Date(ms).toISOString();
const auth = (user: string, atMs: number, type: string, extra: Record<string, unknown> = {}) => ({
  event_id: `t${++n}`,
  occurred_at: at(atMs),
  user_id: user,
  ip: ST_ALBANS,
  type,
  ...extra,
});
const exported = (user: string, atMs: number, records: number, extra: Record<string, unknown> = {}) => ({
  event_id: `t${++n}`,
  occurred_at: at(atMs),
  user_id: user,
  ip: ST_ALBANS,
  action: 'export',
  resource: 'crm/contacts',
  records,
  ...extra,
});
const signalsOf = (outcomes: readonly Outcome[]) =>
  outcomes.flatMap((o) => (o.status === 'rejected' ? [] : o.signals.map((s) => s.type)));
const codes = (outcomes: readonly Outcome[]) =>
  outcomes.map((o) => (o.status === 'rejected' ? o.code : o.status));

/** Ten sign-ins over ten days from St Albans on one laptop: past learning. */
const history = (user: string) =>
  Array.from({ length: 10 }, (_, i) =>
    auth(user, T - (20 - i) * 86_400_000, 'login_success', { device_id: 'laptop' }),
  );

for (const [name, makeStore] of Object.entries(STORES)) {
  test(`${name}: a sign-in dated 2099 is dead-lettered and cannot hide the travel after it`, async (t) => {
    const engine = engineOn(await makeStore(t));
    await run(engine, history('ann'));
    const [future] = await run(engine, [
      auth('ann', Date.parse('2099-01-01T00:00:00Z'), 'login_success', { ip: SAO_PAULO, device_id: 'x' }),
    ]);
    assert.equal(future!.status === 'rejected' && future.code, 'event_time_out_of_range');
    assert.match(
      future!.status === 'rejected' ? future.reason : '',
      /is more than 5 min ahead of 2026-03-02T12:00:00/,
    );
    const outcomes = await run(engine, [
      auth('ann', T, 'login_success', { device_id: 'laptop' }),
      auth('ann', T + 45 * MIN, 'login_success', { ip: SAO_PAULO, device_id: 'x' }),
    ]);
    assert.deepEqual(signalsOf(outcomes), ['impossible_travel', 'new_device', 'new_country']);
  });

  test(`${name}: events dated 1970 or 0001 are refused, so a new user cannot skip learning`, async (t) => {
    const engine = engineOn(await makeStore(t));
    const outcomes = await run(engine, [
      auth('bob', Date.parse('1970-01-01T00:00:00Z'), 'login_success'),
      auth('bob', Date.parse('0001-01-01T00:00:00Z'), 'token_refresh'),
      auth('bob', T, 'login_success', { device_id: 'phone' }),
      auth('bob', T + MIN, 'login_success', { device_id: 'tablet' }),
    ]);
    assert.deepEqual(codes(outcomes), [
      'event_time_out_of_range',
      'event_time_out_of_range',
      'processed',
      'processed',
    ]);
    assert.deepEqual(signalsOf(outcomes), []); // still learning: a second device is not news
  });

  test(`${name}: a future-dated one-record download does not reset the bulk window`, async (t) => {
    const engine = engineOn(await makeStore(t));
    await run(engine, history('cat'));
    const outcomes = await run(engine, [
      exported('cat', T, 600),
      exported('cat', NOW + 60 * MIN, 1),
      exported('cat', T + 2 * MIN, 600),
    ]);
    assert.deepEqual(codes(outcomes), ['processed', 'event_time_out_of_range', 'processed']);
    assert.deepEqual(signalsOf(outcomes), ['bulk_download']);
  });

  test(`${name}: an export reusing a sign-in's id is its own event; the same event again is nothing`, async (t) => {
    const conflicts: IdConflict[] = [];
    const engine = engineOn(await makeStore(t), conflicts);
    await run(engine, history('dan'));
    const signIn = auth('dan', T, 'login_success', { event_id: 'shared', ip: SAO_PAULO, device_id: 'x' });
    const first = await run(engine, [
      auth('dan', T - 30 * MIN, 'login_success', { device_id: 'laptop' }),
      signIn,
    ]);
    assert.deepEqual(signalsOf(first), ['impossible_travel', 'new_device', 'new_country']);
    const reused = await run(engine, [exported('dan', T + MIN, 5, { event_id: 'shared' }), signIn, signIn]);
    assert.deepEqual(codes(reused), ['processed', 'duplicate', 'duplicate']);
    assert.deepEqual(signalsOf(reused), []);
    assert.deepEqual(
      conflicts.map((c) => [c.eventId, c.first.kind, c.second.kind]),
      [
        ['shared', 'auth', 'access'],
        ['shared', 'access', 'auth'],
      ],
    );
  });

  test(`${name}: the same event twice in one batch yields one decision; ids differ across users`, async (t) => {
    const engine = engineOn(await makeStore(t));
    await run(engine, [...history('eve'), ...history('fay')]);
    const travel = (user: string) =>
      auth(user, T + 45 * MIN, 'login_success', { event_id: 'same', ip: SAO_PAULO, device_id: 'laptop' });
    const outcomes = await run(engine, [
      auth('eve', T, 'login_success', { device_id: 'laptop' }),
      auth('fay', T, 'login_success', { device_id: 'laptop' }),
      travel('eve'),
      travel('eve'),
      travel('fay'),
    ]);
    const decisions = outcomes.flatMap((o) => (o.status !== 'rejected' && o.decision ? [o.decision] : []));
    assert.deepEqual(
      decisions.map((d) => d.user_id),
      ['eve', 'fay'],
    );
    assert.notEqual(decisions[0]!.id, decisions[1]!.id);
  });

  test(`${name}: ten failed logins newest first, or with one late, are one brute force`, async (t) => {
    for (const order of ['newest first', 'one late'] as const) {
      const engine = engineOn(await makeStore(t));
      const burst = Array.from({ length: 10 }, (_, i) => auth('gus', T + i * 30_000, 'login_failure'));
      const arrival = order === 'newest first' ? burst.reverse() : [...burst.slice(1), burst[0]!];
      assert.deepEqual(signalsOf(await run(engine, arrival)), ['brute_force'], order);
    }
  });

  test(`${name}: sixty failed logins at one a minute are one brute force, and one more after a quiet window`, async (t) => {
    const engine = engineOn(await makeStore(t));
    const steady = Array.from({ length: 60 }, (_, i) => auth('hal', T + i * MIN, 'login_failure'));
    assert.deepEqual(signalsOf(await run(engine, steady)), ['brute_force']);
    const later = Array.from({ length: 10 }, (_, i) =>
      auth('hal', T + 90 * MIN + i * 10_000, 'login_failure'),
    );
    assert.deepEqual(signalsOf(await run(engine, later)), ['brute_force']);
  });

  test(`${name}: one IPv6 address written five ways is one address; a /64 spray is found`, async (t) => {
    const engine = engineOn(await makeStore(t));
    const spellings = [
      '2a01:cb00:1:2::1',
      '2A01:CB00:1:2::1',
      '2a01:cb00:0001:0002::0001',
      '2a01:cb00:1:2:0:0:0:1',
      '2a01:CB00:1:2:0::1',
    ];
    const same = await run(
      engine,
      spellings.map((ip, i) => auth(`v${i}`, T + i * 1000, 'login_failure', { ip })),
    );
    assert.deepEqual(
      new Set(same.map((o) => o.status !== 'rejected' && o.enriched.ip)),
      new Set(['2a01:cb00:1:2::1']),
    );
    // 20 users, each from its own address of one /64.
    const spray = Array.from({ length: 20 }, (_, i) =>
      auth(`w${i}`, T + 5 * MIN + i * 1000, 'login_failure', {
        ip: `2a01:cb00:1:2::${(i + 16).toString(16)}`,
      }),
    );
    const outcomes = await run(engine, spray);
    assert.deepEqual(signalsOf(outcomes), ['password_spray']);
    const evidence = outcomes.flatMap((o) => (o.status === 'rejected' ? [] : o.signals))[0]!.evidence;
    assert.deepEqual([evidence.scope, evidence.users, evidence.prefix64Users], ['prefix64', 1, 20]);
  });

  test(`${name}: a spray is found when one partition runs hours behind another`, async (t) => {
    const store = await makeStore(t);
    const ahead = engineOn(store);
    const behind = engineOn(store);
    const ip = '45.155.205.233';
    // The partition ahead wrote ten users' failures at T, then moved three hours on.
    await run(
      ahead,
      Array.from({ length: 10 }, (_, i) => auth(`a${i}`, T + i * 1000, 'login_failure', { ip })),
    );
    await run(
      ahead,
      Array.from({ length: 30 }, (_, i) => auth(`b${i}`, T + 180 * MIN + i * 1000, 'login_failure', { ip })),
    );
    const late = await run(
      behind,
      Array.from({ length: 10 }, (_, i) => auth(`c${i}`, T + 2 * MIN + i * 1000, 'login_failure', { ip })),
    );
    assert.deepEqual(signalsOf(late), ['password_spray']);
  });
}
