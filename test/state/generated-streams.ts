import fc from 'fast-check';
import { detectSchema } from '../../src/config/schema.ts';
import { DEFAULT_POLICY } from '../../src/decide/policy.ts';
import { Enricher } from '../../src/enrich/enrich.ts';
import { GeoLocator } from '../../src/enrich/geo.ts';
import { NetworkClassifier } from '../../src/enrich/networks.ts';
import { fixedClock } from '../../src/events/event-time.ts';
import { Engine, stateLimits, type FeedbackOutcome, type Outcome } from '../../src/pipeline/engine.ts';
import type { StateStore } from '../../src/state/store.ts';

/**
 * Generated event streams for property tests: ordinary ones (a few users signing in from a few places,
 * failing, exporting) and hostile ones (extreme but valid times and counts, reused ids, one IPv6
 * address spelled several ways, control characters in ids). Engines built here judge them at NOW.
 */
export const BASE = Date.parse('2026-03-01T09:00:00Z');
export const NOW = BASE + 86_400_000;
const MIN = 60_000;

const geo = GeoLocator.load();

// Addresses the bundled GeoIP data places in different countries, a private one, and one IPv6
// address in three spellings.
const IPS = [
  '87.173.221.88',
  '213.86.243.88',
  '99.239.95.117',
  '106.72.169.57',
  '124.170.232.176',
  '24.103.41.115',
  '10.20.5.76',
  '2a01:cb00:1:2::1',
];
const IPV6_SPELLINGS = [
  '2A01:CB00:0001:0002:0000:0000:0000:0001',
  '2a01:cb00:1:2:0:0:0:1',
  '::ffff:87.173.221.88',
];
const AUTH_TYPES = [
  'login_success',
  'login_failure',
  'mfa_failure',
  'mfa_success',
  'token_refresh',
  'logout',
];

export type RawEvent = Record<string, unknown>;

const user = fc.constantFrom('u1', 'u2', 'u3');
// Resources known from history, new ones, and families with ids in them (normalised to one).
const RESOURCES = [
  'crm/contacts',
  '/customers/17',
  '/customers/18/',
  '/customers/9f86d081884c7d65?page=2',
  'wiki/a',
  'wiki/b',
  'code/x',
  'hr/y',
  'ops/z',
  'finance/w',
];
const ordinaryEvent = (ids: fc.Arbitrary<string>, ip: fc.Arbitrary<string>, atMs: fc.Arbitrary<number>) =>
  fc.oneof(
    fc.record({
      event_id: ids,
      occurred_at: atMs.map((ms) => new Date(ms).toISOString()),
      user_id: user,
      ip,
      type: fc.constantFrom(...AUTH_TYPES),
      device_id: fc.constantFrom('d1', 'd2', 'd3'),
    }),
    fc.record({
      event_id: ids,
      occurred_at: atMs.map((ms) => new Date(ms).toISOString()),
      user_id: user,
      ip,
      action: fc.constantFrom('export', 'download', 'read'),
      resource: fc.constantFrom(...RESOURCES),
      records: fc.integer({ min: 0, max: 600 }),
      device_id: fc.constantFrom('d1', 'd2', 'd3'),
    }),
  );

let counter = 0;
const freshIds = fc.constant(null).map(() => `e${++counter}`);
const minutes = fc
  .integer({ min: 0, max: 30 })
  .chain((m) => fc.integer({ min: 0, max: 59 }).map((s) => BASE + m * MIN + s * 1000));

/**
 * Three weeks before the stream, ten sign-ins a user from one place and device, each followed by two
 * reads of a known resource: they are past learning, with a request baseline and resources they know.
 */
export const HISTORY: readonly RawEvent[] = ['u1', 'u2', 'u3'].flatMap((user) =>
  Array.from({ length: 10 }, (_, i) => {
    const atMs = BASE - 21 * 86_400_000 + i * 86_400_000;
    const read = (n: number) => ({
      event_id: `h-${user}-${i}-r${n}`,
      occurred_at: new Date(atMs + n * MIN).toISOString(),
      user_id: user,
      ip: IPS[0],
      action: 'read',
      resource: 'crm/contacts',
      records: 1,
      device_id: 'd1',
    });
    return [
      {
        event_id: `h-${user}-${i}`,
        occurred_at: new Date(atMs).toISOString(),
        user_id: user,
        ip: IPS[0],
        type: 'login_success',
        device_id: 'd1',
      },
      read(1),
      read(2),
    ];
  }).flat(),
);

/** Detection settings with low thresholds, so short generated streams cross them often. */
export const EAGER = {
  failures: { perUserThreshold: 3, mfaThreshold: 2, perIpDistinctUsers: 2 },
  bulk: { recordsThreshold: 1000 },
  rate: { windowMs: 600_000, minEvents: 5, maxEvents: 12, multiplier: 2, baselineMinHours: 2 },
  resources: { windowMs: 600_000, newThreshold: 3, maxPerUser: 8 },
  risk: { maxContributions: 3 },
};

/** A few users over half an hour: sign-ins from a few countries and devices, failures, exports. Ids are unique. */
export const ordinaryStream = fc.array(ordinaryEvent(freshIds, fc.constantFrom(...IPS), minutes), {
  minLength: 20,
  maxLength: 60,
});

const hostileTime = fc.oneof(
  minutes,
  fc.constantFrom(
    Date.parse('0001-01-01T00:00:00Z'),
    Date.parse('1970-01-01T00:00:00Z'),
    Date.parse('2099-01-01T00:00:00Z'),
    Date.parse('9999-12-31T23:59:59Z'),
    NOW + 4 * MIN,
    NOW - 89 * 86_400_000,
  ),
);

/** What validation lets through at its worst: ids reused across users and kinds, extreme values. */
export const hostileStream = fc
  .array(
    fc.oneof(
      ordinaryEvent(
        fc.constantFrom('e1', 'e2', 'e3', 'x\u0000\u001b[31m'),
        fc.constantFrom(...IPS, ...IPV6_SPELLINGS),
        hostileTime,
      ),
      fc.record({
        event_id: fc.constantFrom('e1', 'e2', 'big'),
        occurred_at: hostileTime.map((ms) => new Date(ms).toISOString()),
        user_id: fc.constantFrom('u1', 'u{2}', 'ü|3', ''),
        ip: fc.constantFrom(...IPV6_SPELLINGS),
        action: fc.constantFrom('export', 'read'),
        resource: fc.constantFrom(
          'crm/contacts',
          '/',
          '?',
          '/customers/{id}',
          'x\u0000\u001b[31m/ü/../%2F',
          '/a'.repeat(512),
          '__proto__',
          'constructor',
        ),
        records: fc.constantFrom(0, 1, 1_000_000_000, 1e14, -1, 1.5),
      }),
    ),
    { minLength: 1, maxLength: 40 },
  )
  .chain((events) =>
    // Redelivery: some events again, later in the stream.
    fc.subarray(events).map((again) => [...events, ...again]),
  );

/** Analysts' verdicts on the generated users: benign ones that teach and allowlist, confirmed ones. */
const verdict = fc.oneof(
  fc.record({
    kind: fc.constant('feedback'),
    feedback_id: freshIds,
    occurred_at: minutes.map((ms) => new Date(ms).toISOString()),
    user_id: user,
    decision_id: fc.constant('d'),
    verdict: fc.constant('benign'),
    analyst: fc.constant('sam'),
    reason: fc.constant('known'),
    device_id: fc.constantFrom('d2', 'd3'),
    country: fc.constantFrom('DE', 'GB', 'CA'),
    allowlist: fc.oneof(
      fc.record({
        scope: fc.constant('user'),
        signals: fc.constant(['new_country', 'unusual_request_rate']),
      }),
      fc.record({
        scope: fc.constant('network'),
        network: fc.constantFrom('87.173.221.0/24', '2a01:cb00:1:2::/64'),
        expires_at: fc.constant(new Date(BASE + 15 * MIN).toISOString()),
      }),
    ),
  }),
  fc.record({
    kind: fc.constant('feedback'),
    feedback_id: freshIds,
    occurred_at: minutes.map((ms) => new Date(ms).toISOString()),
    user_id: user,
    decision_id: fc.constant('d'),
    verdict: fc.constant('confirmed'),
    analyst: fc.constant('sam'),
    reason: fc.constant('phished'),
    device_id: fc.constantFrom('d1', 'd2'),
  }),
);

/** An ordinary stream with a few verdicts among its events, some sent twice. */
export const streamWithFeedback = ordinaryStream.chain((events) =>
  fc
    .array(fc.tuple(fc.nat({ max: events.length }), verdict, fc.boolean()), { maxLength: 4 })
    .map((inserts) => {
      const stream: RawEvent[] = [...events];
      for (const [at, feedback, twice] of inserts)
        stream.splice(at, 0, ...(twice ? [feedback, feedback] : [feedback]));
      return stream;
    }),
);

/**
 * Shuffles a stream within `windowMs` of event time: sorted by time plus a random delay of up to the
 * window, as out-of-order delivery does.
 */
export const disorderedBy = (events: readonly RawEvent[], windowMs: number) =>
  fc
    .array(fc.integer({ min: 0, max: windowMs }), { minLength: events.length, maxLength: events.length })
    .map((delays) =>
      events
        .map((event, i) => ({ event, at: Date.parse(String(event.occurred_at)) + delays[i]! }))
        .sort((a, b) => a.at - b.at)
        .map(({ event }) => event),
    );

export function engineOn(store: StateStore, overrides: Record<string, unknown> = EAGER): Engine {
  const settings = detectSchema.parse(overrides);
  return new Engine({
    store,
    enricher: new Enricher(geo, new NetworkClassifier(settings.travel.trustedNetworks)),
    settings,
    policy: DEFAULT_POLICY,
    clock: fixedClock(NOW),
  });
}

export const limitsFor = (overrides: Record<string, unknown> = EAGER) =>
  stateLimits(detectSchema.parse(overrides));

/** Events are read from one partition of one topic, the n-th at offset n. */
export const STREAM_INPUT = 'stream/0';
const originOf = (n: number) => `${STREAM_INPUT}@${n}`;

/**
 * Runs a stream in batches of the given sizes, releasing each as the pipeline does. A verdict ends
 * the batch before it and is applied on its own, as `vigil replay` applies it.
 */
export async function runStream(engine: Engine, events: readonly RawEvent[], batchSizes: readonly number[]) {
  const outcomes: (Outcome | FeedbackOutcome)[] = [];
  let at = 0;
  for (let i = 0; at < events.length; i++) {
    const size = batchSizes[i % batchSizes.length] ?? 1;
    const upTo = events.slice(at, at + size).findIndex((event) => event.kind === 'feedback');
    if (upTo === 0) {
      const verdicts = await engine.feedback([{ value: JSON.stringify(events[at]), origin: originOf(at) }]);
      await verdicts.release();
      outcomes.push(...verdicts.outcomes);
      at++;
      continue;
    }
    const taken = upTo > 0 ? upTo : size;
    const batch = events
      .slice(at, at + taken)
      .map((event, i) => ({ value: JSON.stringify(event), origin: originOf(at + i) }));
    at += taken;
    const processed = await engine.process(batch);
    await processed.release();
    outcomes.push(...processed.outcomes);
  }
  return outcomes;
}

/** What a store must not change: every outcome, signal and decision, with ids and evidence. */
export function findings(outcomes: readonly (Outcome | FeedbackOutcome)[]) {
  return outcomes.map((outcome) =>
    outcome.status === 'rejected'
      ? { status: outcome.status, code: outcome.code }
      : !('signals' in outcome)
        ? {
            status: outcome.status,
            key: outcome.key,
            changed: outcome.changed,
            decision: outcome.decision?.id,
          }
        : {
            status: outcome.status,
            key: outcome.key,
            signals: outcome.signals.map(({ id, type, evidence }) => ({ id, type, evidence })),
            decision: outcome.decision && { id: outcome.decision.id, action: outcome.decision.action },
          },
  );
}
