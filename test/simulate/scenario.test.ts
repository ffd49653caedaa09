import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateEvent } from '../../src/events/index.ts';
import { ATTACK_KINDS, recentStart, simulate } from '../../src/simulate/scenario.ts';

const options = { users: 120, days: 18, seed: 7, start: '2026-03-02T00:00:00Z', attacksPerKind: 2 };

test('the same seed gives the same events and truth; another seed does not', () => {
  const a = simulate(options);
  const b = simulate(options);
  assert.deepEqual(a, b);
  assert.notDeepEqual(simulate({ ...options, seed: 8 }).events.slice(0, 20), a.events.slice(0, 20));
});

test('every simulated event meets the input contract, in event-time order, with unique ids', () => {
  const { events } = simulate(options);
  const invalid = events.map((e) => validateEvent(e)).filter((r) => !r.ok);
  assert.deepEqual(invalid, []);
  assert.equal(new Set(events.map((e) => e.event_id)).size, events.length);
  assert.ok(events.every((e, i) => i === 0 || events[i - 1]!.occurred_at <= e.occurred_at));
});

test('the truth lists every attack kind, each pointing at simulated events after learning', () => {
  const { events, truth, population } = simulate(options);
  const ids = new Set(events.map((e) => e.event_id));
  assert.deepEqual([...new Set(truth.map((t) => t.type))].sort(), [...ATTACK_KINDS].sort());
  assert.equal(truth.length, ATTACK_KINDS.length * 2);
  for (const attack of truth) {
    assert.ok(attack.event_ids.length > 0 && attack.event_ids.every((id) => ids.has(id)), attack.id);
    assert.ok(attack.start >= '2026-03-17', `${attack.id} starts ${attack.start}, inside learning`);
  }
  assert.deepEqual(population.trusted_networks, ['81.4.109.0/24', '38.124.103.0/24']);
});

test('the default start puts 21 days ending as yesterday begins: 2026-12-01T17:31Z starts at 2026-11-09T00:00Z', () => {
  assert.equal(recentStart(21, Date.parse('2026-12-01T17:31:00Z')), '2026-11-09T00:00:00.000Z');
  assert.equal(recentStart(16, Date.parse('2026-12-01T00:00:00Z')), '2026-11-14T00:00:00.000Z');
});

test('a company from the default start lies wholly in the past and inside the 90-day event age limit', () => {
  const now = Date.parse('2026-12-01T00:00:30Z');
  for (const seed of [1, 2, 11]) {
    const { events } = simulate({ ...options, seed, start: recentStart(options.days, now) });
    const first = Date.parse(events[0]!.occurred_at);
    const last = Date.parse(events.at(-1)!.occurred_at);
    assert.ok(last < now, `seed ${seed}: last event ${events.at(-1)!.occurred_at} is ahead of the clock`);
    assert.ok(now - first < 90 * 86_400_000, `seed ${seed}: first event ${events[0]!.occurred_at}`);
  }
});
