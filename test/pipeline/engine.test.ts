import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectSchema } from '../../src/config/schema.ts';
import { DEFAULT_POLICY } from '../../src/decide/policy.ts';
import { Enricher } from '../../src/enrich/enrich.ts';
import { GeoLocator } from '../../src/enrich/geo.ts';
import { NetworkClassifier } from '../../src/enrich/networks.ts';
import { newestEventClock } from '../../src/events/event-time.ts';
import { Engine, stateLimits, type Outcome } from '../../src/pipeline/engine.ts';
import { MemoryStateStore } from '../../src/state/memory/store.ts';

const geo = GeoLocator.load();
const settings = detectSchema.parse({ travel: { trustedNetworks: ['129.78.0.0/16'] } });

function engine() {
  const enricher = new Enricher(geo, new NetworkClassifier(settings.travel.trustedNetworks), {
    trustedGeoServices: ['mobile-app'],
  });
  return new Engine({
    store: new MemoryStateStore(stateLimits(settings)),
    enricher,
    settings,
    policy: DEFAULT_POLICY,
    clock: newestEventClock(),
  });
}

/** Processes a batch and releases it, as the pipeline does once its sinks hold the results. */
async function run(e: Engine, inputs: { value: string }[]): Promise<readonly Outcome[]> {
  const { outcomes, release } = await e.process(inputs);
  await release();
  return outcomes;
}

let n = 0;
const login = (at: string, ip: string, extra: Record<string, unknown> = {}) => ({
  value: JSON.stringify({
    event_id: `e${++n}`,
    occurred_at: at,
    type: 'login_success',
    user_id: 'alice',
    ip,
    ...extra,
  }),
});
const types = (outcomes: readonly Outcome[]) =>
  outcomes.map((o) => (o.status === 'processed' ? o.signals.map((s) => s.type) : o.status));

// St Albans (GB, radius 100 km) and Sydney address space (AU, radius 1,000 km).
const ST_ALBANS = '81.2.69.160';
const SYDNEY_TRUSTED = '129.78.0.1';
const SAO_PAULO = '177.148.157.16';

test('London then São Paulo 45 min later is impossible travel; the redelivered event adds nothing', async () => {
  const e = engine();
  const batch = [login('2026-03-01T09:00:00Z', ST_ALBANS), login('2026-03-01T09:45:00Z', SAO_PAULO)];
  assert.deepEqual(types(await run(e, [...batch, batch[1]!])), [[], ['impossible_travel'], 'duplicate']);
});

test('a batch retried before it was released raises the same signals with the same ids', async () => {
  const e = engine();
  const batch = [login('2026-03-01T09:00:00Z', ST_ALBANS), login('2026-03-01T09:45:00Z', SAO_PAULO)];
  const first = await e.process(batch);
  const retried = await e.process(batch);
  const ids = (outcomes: readonly Outcome[]) =>
    outcomes.map((o) => (o.status === 'rejected' ? [] : o.signals.map((s) => s.id)));
  assert.deepEqual(
    retried.outcomes.map((o) => o.status),
    ['duplicate', 'duplicate'],
  );
  assert.deepEqual(ids(retried.outcomes), ids(first.outcomes));
  assert.equal(ids(first.outcomes)[1]!.length, 1);
  await retried.release();
  assert.deepEqual(types(await run(e, batch)), ['duplicate', 'duplicate']);
  assert.deepEqual(ids(await run(e, batch)), [[], []]);
});

test('an event arriving late is judged against the sign-in after it', async () => {
  const e = engine();
  await run(e, [login('2026-03-01T10:00:00Z', ST_ALBANS)]);
  assert.deepEqual(types(await run(e, [login('2026-03-01T09:30:00Z', SAO_PAULO)])), [['impossible_travel']]);
});

test('private, reserved and trusted addresses are never travel', async () => {
  const e = engine();
  const outcomes = await run(e, [
    login('2026-03-01T09:00:00Z', ST_ALBANS),
    login('2026-03-01T09:05:00Z', '10.1.2.3'),
    login('2026-03-01T09:06:00Z', '2001:db8::7'),
    login('2026-03-01T09:07:00Z', SYDNEY_TRUSTED),
  ]);
  assert.deepEqual(types(outcomes), [[], [], [], []]);
  const trusted = outcomes[3]!;
  assert.equal(trusted.status === 'processed' && trusted.enriched.network, 'trusted');
});

test("a trusted emitter's own coordinates win over GeoIP", async () => {
  const e = engine();
  const [outcome] = await run(e, [
    login('2026-03-01T09:00:00Z', ST_ALBANS, {
      service: 'mobile-app',
      geo: { lat: -33.87, lon: 151.21, accuracy_km: 1, country: 'AU' },
    }),
  ]);
  assert.equal(outcome!.status === 'processed' && outcome.enriched.place?.country, 'AU');
  assert.equal(outcome!.status === 'processed' && outcome.enriched.place?.source, 'emitter');
});

test('IPv4-mapped IPv6 is located as IPv4', async () => {
  const [outcome] = await run(engine(), [login('2026-03-01T09:00:00Z', `::ffff:${ST_ALBANS}`)]);
  assert.equal(outcome!.status === 'processed' && outcome.enriched.place?.city, 'Newmarket');
});

test('an invalid event is a rejection with its reason; the rest of the batch is processed', async () => {
  const outcomes = await run(engine(), [
    { value: '{"type":"login_success"}' },
    login('2026-03-01T09:00:00Z', ST_ALBANS),
  ]);
  assert.equal(outcomes[0]!.status, 'rejected');
  assert.match(outcomes[0]!.status === 'rejected' ? outcomes[0].reason : '', /^event_id: /);
  assert.equal(outcomes[1]!.status, 'processed');
});

test('signals add up in the user risk across events, and an event delivered again adds nothing', async () => {
  const e = engine();
  const day = (d: number, time: string) => `2026-03-${String(d).padStart(2, '0')}T${time}Z`;
  // Fifteen days of sign-ins from London on one laptop: past learning.
  for (let d = 1; d <= 15; d++)
    await run(e, [login(day(d, '09:00:00'), '80.47.7.180', { device_id: 'laptop', user_id: 'risky' })]);
  const phone = login(day(16, '09:00:00'), '80.47.7.180', { device_id: 'phone-x', user_id: 'risky' });
  const [first] = await run(e, [phone]);
  const [again] = await run(e, [phone]);
  const [paris] = await run(e, [
    login(day(16, '15:00:00'), '31.34.71.232', { device_id: 'laptop', user_id: 'risky' }),
  ]);
  const accumulated = (o: Outcome | undefined) =>
    o?.status === 'rejected' ? undefined : o?.decision?.accumulated;
  assert.deepEqual(
    [accumulated(first)?.risk, again?.status, accumulated(again), accumulated(paris)?.risk],
    [0.4, 'duplicate', undefined, 0.6],
  );
  assert.deepEqual(
    accumulated(paris)?.contributions.map(({ type, weight }) => [type, weight]),
    [
      ['new_country', 0.5],
      ['new_device', 0.2],
    ],
  );
});

test('an allowlist entry quiets its signals from its network until it ends; a compromised device is revoked', async () => {
  const e = engine();
  const day = (d: number, time: string) => `2026-03-${String(d).padStart(2, '0')}T${time}Z`;
  for (let d = 1; d <= 15; d++)
    await run(e, [login(day(d, '09:00:00'), '80.47.7.180', { device_id: 'laptop', user_id: 'ana' })]);
  const verdict = (id: string, at: string, extra: object) => ({
    value: JSON.stringify({
      kind: 'feedback',
      feedback_id: id,
      occurred_at: at,
      user_id: 'ana',
      decision_id: 'd0',
      analyst: 'sam',
      reason: 'Paris office',
      ...extra,
    }),
  });
  const applied = await e.feedback([
    verdict('f1', day(16, '08:00:00'), {
      verdict: 'benign',
      allowlist: {
        scope: 'network',
        network: '31.34.71.0/24',
        signals: ['new_country'],
        expires_at: day(18, '08:00:00'),
      },
    }),
  ]);
  await applied.release();
  const types = (o: Outcome | undefined) => (o?.status === 'rejected' ? [] : o?.signals.map((s) => s.type));
  const [quiet] = await run(e, [
    login(day(16, '12:00:00'), '31.34.71.232', { device_id: 'laptop', user_id: 'ana' }),
  ]);
  assert.deepEqual(types(quiet), []);
  const [confirmed] = (
    await e.feedback([verdict('f2', day(16, '13:00:00'), { verdict: 'confirmed', device_id: 'laptop' })])
  ).outcomes;
  assert.equal(confirmed?.status === 'applied' && confirmed.decision?.action, 'revoke_sessions');
  const [later] = await run(e, [
    login(day(16, '14:00:00'), '80.47.7.180', { device_id: 'laptop', user_id: 'ana' }),
  ]);
  assert.deepEqual(types(later), ['confirmed_compromise']);
  assert.equal(later?.status !== 'rejected' && later?.decision?.action, 'revoke_sessions');
});

test('an allowlist entry past its end quiets nothing', async () => {
  const e = engine();
  const day = (d: number, time: string) => `2026-03-${String(d).padStart(2, '0')}T${time}Z`;
  for (let d = 1; d <= 15; d++)
    await run(e, [login(day(d, '09:00:00'), '80.47.7.180', { device_id: 'laptop', user_id: 'bo' })]);
  const { release } = await e.feedback([
    {
      value: JSON.stringify({
        kind: 'feedback',
        feedback_id: 'f9',
        occurred_at: day(15, '10:00:00'),
        user_id: 'bo',
        decision_id: 'd0',
        verdict: 'benign',
        analyst: 'sam',
        reason: 'Paris office',
        allowlist: { scope: 'user', signals: ['new_country'], expires_at: day(16, '10:00:00') },
      }),
    },
  ]);
  await release();
  const [after] = await run(e, [
    login(day(16, '12:00:00'), '31.34.71.232', { device_id: 'laptop', user_id: 'bo' }),
  ]);
  assert.deepEqual(after?.status !== 'rejected' && after?.signals.map((s) => s.type), ['new_country']);
});

test("a group's allowlist entry quiets every user whose events carry the group, until it ends; not other groups", async () => {
  const e = engine();
  const day = (d: number, time: string) => `2026-03-${String(d).padStart(2, '0')}T${time}Z`;
  const users = { cy: 'sre', dee: 'sre', eli: 'sales' };
  const signIn = (user: string, d: number, ip: string) =>
    login(day(d, '09:00:00'), ip, {
      device_id: `${user}-laptop`,
      user_id: user,
      user_group: users[user as keyof typeof users],
    });
  for (let d = 1; d <= 15; d++)
    await run(
      e,
      Object.keys(users).map((user) => signIn(user, d, '80.47.7.180')),
    );
  const { outcomes, release } = await e.feedback([
    {
      value: JSON.stringify({
        kind: 'feedback',
        feedback_id: 'f-sre',
        occurred_at: day(15, '12:00:00'),
        user_id: 'cy',
        decision_id: 'd0',
        verdict: 'benign',
        analyst: 'sam',
        reason: 'SRE offsite in Paris',
        allowlist: {
          scope: 'group',
          group: 'sre',
          signals: ['new_country'],
          expires_at: day(17, '12:00:00'),
        },
      }),
    },
  ]);
  await release();
  assert.deepEqual(outcomes[0]?.status === 'applied' && outcomes[0].changed, ['group-allowlist']);
  const paris = '31.34.71.232';
  const during = await run(
    e,
    Object.keys(users).map((user) => signIn(user, 16, paris)),
  );
  assert.deepEqual(types(during), [[], [], ['new_country']]);
  // Dee's entry is her group's: once it ends, a new country of hers is one again.
  const after = await run(e, [signIn('dee', 18, '177.148.157.16')]);
  assert.deepEqual(types(after), [['new_country']]);
});
