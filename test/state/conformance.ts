import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type {
  AccessOp,
  AuthOp,
  FeedbackOp,
  IpFailureOp,
  RiskOp,
  StateLimits,
  StateStore,
  StateView,
} from '../../src/state/store.ts';

/**
 * The behaviour every StateStore must have. Run against the in-memory store, a single Redis and a
 * Redis Cluster; `makeStore` gives each test a store with its own key space.
 */
export const LIMITS: StateLimits = {
  historySize: 3,
  historyTtlMs: 30 * 86_400_000,
  retentionMs: 90 * 86_400_000,
  maxDevices: 3,
  maxCountries: 3,
  bulkWindowMs: 600_000,
  failureWindowMs: 600_000,
  rateWindowMs: 3_600_000,
  ratePercentile: 90,
  resourceWindowMs: 3_600_000,
  maxResources: 3,
  riskHalfLifeMs: 6 * 3_600_000,
  maxRiskContributions: 4,
  baselineSamples: 20,
  maxWindowEntries: 1000,
  sampleUsers: 2,
  replyTtlMs: 3_600_000,
  ipFailureTtlMs: 86_400_000,
};

const T = Date.parse('2026-03-01T09:00:00Z');
const MIN = 60_000;

export function stateConformance(
  name: string,
  makeStore: (t: TestContext, limits: StateLimits) => Promise<StateStore>,
) {
  const user = () => `user-${randomUUID()}`;
  const auth = (u: string, key: string, atMs: number, extra: Partial<AuthOp> = {}): AuthOp => ({
    kind: 'auth',
    user: u,
    eventKey: key,
    atMs,
    outcome: 'login',
    ...extra,
  });
  const access = (
    u: string,
    key: string,
    atMs: number,
    records: number,
    extra: Partial<AccessOp> = {},
  ): AccessOp => ({
    kind: 'access',
    user: u,
    eventKey: key,
    atMs,
    records,
    ...extra,
  });
  const one = async (store: StateStore, op: AuthOp | AccessOp | IpFailureOp): Promise<StateView> =>
    (await store.apply([op]))[0]!;

  test(`${name}: a new user has no history; the second login sees the first`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const [first, second] = await store.apply([
      auth(u, 'e1', T, { place: 'P1' }),
      auth(u, 'e2', T + MIN, { place: 'P2' }),
    ]);
    assert.deepEqual(first, {
      kind: 'auth',
      duplicate: false,
      firstView: false,
      profile: { logins: 0 },
      knownCountries: [],
      knownDevices: 0,
      loginFailures: 0,
      mfaFailures: 0,
      loginFailuresBefore: 0,
      mfaFailuresBefore: 0,
    });
    assert.deepEqual(second, {
      kind: 'auth',
      duplicate: false,
      firstView: false,
      profile: { firstSeenMs: T, logins: 1 },
      earlier: { atMs: T, place: 'P1' },
      knownCountries: [],
      knownDevices: 0,
      loginFailures: 0,
      mfaFailures: 0,
      loginFailuresBefore: 0,
      mfaFailuresBefore: 0,
    });
  });

  test(`${name}: the same event again changes nothing and is marked duplicate`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const op = auth(u, 'e1', T, { place: 'P1', device: 'd1', country: 'GB' });
    await store.apply([op]);
    const again = await one(store, op);
    assert.equal(again.kind === 'auth' && again.duplicate, true);
    const next = (await one(store, auth(u, 'e2', T + MIN))) as { profile: unknown };
    assert.deepEqual(next.profile, { firstSeenMs: T, logins: 1 });
  });

  test(`${name}: a redelivered event sees its first view until released, then a bare duplicate`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const first = auth(u, 'e1', T, { place: 'P1', device: 'd1', country: 'GB' });
    const second = auth(u, 'e2', T + MIN, { place: 'P2', device: 'd2', country: 'FR' });
    const [, view] = await store.apply([first, second]);
    const [again] = await store.apply([second]);
    assert.deepEqual(again, { ...view!, duplicate: true, firstView: true });
    await store.release([first, second]);
    const [bare] = await store.apply([second]);
    assert.deepEqual(bare, {
      kind: 'auth',
      duplicate: true,
      firstView: false,
      profile: { firstSeenMs: T, logins: 2 },
      knownCountries: [],
      knownDevices: 0,
      loginFailures: 0,
      mfaFailures: 0,
      loginFailuresBefore: 0,
      mfaFailuresBefore: 0,
    });
  });

  test(`${name}: a copy of an event from another message is a bare duplicate even while its first view is kept`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const first = auth(u, 'e1', T, { place: 'P1', device: 'd1', country: 'GB', origin: 'auth/0@7' });
    const [view] = await store.apply([first]);
    const [redone, copy] = await store.apply([first, { ...first, origin: 'auth/0@9' }]);
    assert.deepEqual(redone, { ...view!, duplicate: true, firstView: true });
    assert.deepEqual(
      [copy!.kind === 'auth' && copy.duplicate, copy!.kind === 'auth' && copy.firstView],
      [true, false],
    );
  });

  test(`${name}: a late sign-in sees its true neighbours in event time`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    await store.apply([auth(u, 'a', T, { place: 'A' }), auth(u, 'c', T + 20 * MIN, { place: 'C' })]);
    const late = await one(store, auth(u, 'b', T + 10 * MIN, { place: 'B' }));
    assert.deepEqual(
      [late.kind === 'auth' && late.earlier, late.kind === 'auth' && late.later],
      [
        { atMs: T, place: 'A' },
        { atMs: T + 20 * MIN, place: 'C' },
      ],
    );
    assert.deepEqual(late.kind === 'auth' && late.profile, { firstSeenMs: T, logins: 2 });
  });

  test(`${name}: a sign-in at the same millisecond counts as earlier; unlocated sign-ins are skipped`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    await store.apply([auth(u, 'a', T, { place: 'A' }), auth(u, 'u', T + MIN)]);
    const same = await one(store, auth(u, 'b', T + MIN, { place: 'B' }));
    assert.deepEqual(same.kind === 'auth' && same.earlier, { atMs: T, place: 'A' });
    assert.equal(same.kind === 'auth' && same.later, undefined);
  });

  test(`${name}: only the latest historySize sign-ins are kept`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    await store.apply([1, 2, 3, 4].map((i) => auth(u, `e${i}`, T + i * MIN, { place: `P${i}` })));
    const early = await one(store, auth(u, 'e0', T, { place: 'P0' }));
    assert.deepEqual(early.kind === 'auth' && [early.earlier, early.later], [
      undefined,
      { atMs: T + 2 * MIN, place: 'P2' },
    ]);
  });

  test(`${name}: devices and countries keep first and last sighting; an older event never moves last back`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    await store.apply([
      auth(u, 'e1', T, { device: 'd1', country: 'GB' }),
      auth(u, 'e2', T + 10 * MIN, { device: 'd1', country: 'GB' }),
      auth(u, 'e3', T + 5 * MIN, { device: 'd1', country: 'GB' }),
    ]);
    const view = await one(store, auth(u, 'e4', T + 20 * MIN, { device: 'd1', country: 'GB' }));
    assert.deepEqual(
      view.kind === 'auth' && [view.device, view.country, view.knownDevices, view.knownCountries],
      [{ firstMs: T, lastMs: T + 10 * MIN }, { firstMs: T, lastMs: T + 10 * MIN }, 0, []],
    );
  });

  test(`${name}: a new device and country come with what was known; the least recent device is forgotten past maxDevices`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    await store.apply([
      auth(u, 'e1', T, { device: 'd1', country: 'GB' }),
      auth(u, 'e2', T + MIN, { device: 'd2', country: 'FR' }),
      auth(u, 'e3', T + 2 * MIN, { device: 'd3' }),
      auth(u, 'e4', T + 3 * MIN, { device: 'd1' }),
    ]);
    const fourth = await one(store, auth(u, 'e5', T + 4 * MIN, { device: 'd4', country: 'AU' }));
    assert.deepEqual(fourth.kind === 'auth' && [fourth.device, fourth.knownDevices, fourth.knownCountries], [
      undefined,
      3,
      ['FR', 'GB'],
    ]);
    const views = await store.apply([
      auth(u, 'e6', T + 5 * MIN, { device: 'd2' }),
      auth(u, 'e7', T + 6 * MIN, { device: 'd1' }),
    ]);
    assert.deepEqual(
      views.map((v) => v.kind === 'auth' && [v.device, v.knownDevices]),
      [
        [undefined, 3],
        [{ firstMs: T, lastMs: T + 3 * MIN }, 0],
      ],
    );
  });

  test(`${name}: failures count within the window; one exactly a window old is out`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const fail = (key: string, atMs: number, outcome: 'login_failure' | 'mfa_failure' = 'login_failure') =>
      auth(u, key, atMs, { outcome });
    const views = await store.apply([
      fail('f1', T),
      fail('f2', T + MIN),
      fail('m1', T + 2 * MIN, 'mfa_failure'),
      fail('f3', T + 10 * MIN),
      fail('f3', T + 10 * MIN),
    ]);
    assert.deepEqual(
      views.map((v) => v.kind === 'auth' && [v.duplicate, v.loginFailures, v.mfaFailures]),
      [
        [false, 1, 0],
        [false, 2, 0],
        [false, 2, 1],
        [false, 2, 1],
        [true, 2, 1],
      ],
    );
  });

  test(`${name}: records add up in the bulk window, once per event`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const views = await store.apply([
      access(u, 'x1', T, 400),
      access(u, 'x2', T + 5 * MIN, 500),
      access(u, 'x2', T + 5 * MIN, 500),
      access(u, 'x3', T + 10 * MIN, 300),
      access(u, 'r1', T + 11 * MIN, 0),
    ]);
    assert.deepEqual(
      views.map(
        (v) =>
          v.kind === 'access' && [
            v.duplicate,
            v.windowRecordsBefore,
            v.windowRecords,
            v.windowEvents,
            v.windowPeakBefore,
            v.baselineRecords,
            v.baselineSamples,
          ],
      ),
      [
        [false, 0, 400, 1, 0, 0, 0],
        [false, 400, 900, 2, 400, 400, 1],
        [true, 400, 900, 2, 400, 400, 1],
        [false, 500, 800, 2, 900, 650, 2],
        [false, 0, 0, 0, 0, 700, 3],
      ],
    );
  });

  test(`${name}: the peak before is the heaviest window near the export; a full window stays full`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    // 150 records a minute for 15 minutes: the ten-minute window fills at 1,500 and stays full.
    const ops = Array.from({ length: 15 }, (_, i) => access(u, `s${i}`, T + i * MIN, 150));
    const views = await store.apply([...ops, access(u, 'late', T + 30 * MIN, 150)]);
    assert.deepEqual(
      views.map((v) => v.kind === 'access' && [v.windowRecords, v.windowPeakBefore]),
      [
        [150, 0],
        [300, 150],
        [450, 300],
        [600, 450],
        [750, 600],
        [900, 750],
        [1050, 900],
        [1200, 1050],
        [1350, 1200],
        [1500, 1350],
        [1500, 1500],
        [1500, 1500],
        [1500, 1500],
        [1500, 1500],
        [1500, 1500],
        // Twenty minutes on: only the exports of minutes 11 to 14 are near enough to share a window.
        [150, 600],
      ],
    );
  });

  test(`${name}: access events see device and country sightings from sign-ins`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const [, view, unknown] = await store.apply([
      auth(u, 'e1', T, { device: 'd1', country: 'GB' }),
      access(u, 'x1', T + MIN, 10, { device: 'd1', country: 'GB' }),
      access(u, 'x2', T + 2 * MIN, 10, { device: 'd9', country: 'AU' }),
    ]);
    assert.deepEqual(view!.kind === 'access' && [view.device, view.country, view.profile], [
      { firstMs: T, lastMs: T },
      { firstMs: T, lastMs: T },
      { firstSeenMs: T, logins: 1 },
    ]);
    assert.deepEqual(unknown!.kind === 'access' && [unknown.device, unknown.country], [undefined, undefined]);
  });

  test(`${name}: every access counts towards the rate window; the baseline is hours up to two days before`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const DAY = 86_400_000;
    // Three days ago: 5 reads in one hour, 1 in another; yesterday 40 in one hour (not yet in the baseline).
    const past = [
      ...Array.from({ length: 5 }, (_, i) => access(u, `p${i}`, T - 3 * DAY + i * MIN, 0)),
      access(u, 'p5', T - 3 * DAY + 2 * 3_600_000, 0),
      ...Array.from({ length: 40 }, (_, i) => access(u, `y${i}`, T - DAY + i * 1000, 0)),
    ];
    await store.apply(past);
    const views = await store.apply([
      access(u, 'n1', T, 0),
      access(u, 'n2', T + MIN, 3),
      access(u, 'n2', T + MIN, 3),
    ]);
    assert.deepEqual(
      views.map(
        (v) =>
          v.kind === 'access' && [
            v.duplicate,
            v.windowRequests,
            v.requestPeakBefore,
            v.usualRequestsPerHour,
            v.medianRequestsPerHour,
            v.baselineHours,
            v.accessSinceMs === T - 3 * DAY,
          ],
      ),
      [
        [false, 1, 0, 5, 1, 2, true],
        [false, 2, 1, 5, 1, 2, true],
        [true, 2, 1, 5, 1, 2, true],
      ],
    );
  });

  test(`${name}: a resource's first access counts once, in the bucket of its earliest access in any order`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const res = (key: string, at: number, resource: string) => access(u, key, at, 0, { resource });
    const views = await store.apply([
      res('a', T + 30 * MIN, 'R1'),
      res('b', T + 31 * MIN, 'R2'),
      res('c', T + 32 * MIN, 'R1'),
      // R1 arrives late, an hour and a half earlier: its first access moves out of the window.
      res('d', T - 60 * MIN, 'R1'),
      res('e', T + 33 * MIN, 'R3'),
    ]);
    assert.deepEqual(
      views.map((v) => v.kind === 'access' && [v.knownResources, v.newResources, v.newResourcesBefore]),
      [
        [0, 1, 0],
        [1, 2, 1],
        [2, 0, 0],
        [2, 1, 2],
        [2, 2, 1],
      ],
    );
  });

  test(`${name}: risk adds each signal once and halves every half-life; the oldest goes past the cap`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const HOUR = 3_600_000;
    const risk = (key: string, atMs: number, ids: string[], score = 0.4): RiskOp => ({
      kind: 'risk',
      user: u,
      eventKey: key,
      atMs,
      signals: ids.map((id) => ({ id, type: 'new_device', score })),
    });
    const views = await store.apply([
      risk('k1', T, ['s1']),
      risk('k2', T + 6 * HOUR, ['s2']),
      risk('k2', T + 6 * HOUR, ['s2']),
      risk('k3', T + 12 * HOUR, ['s3', 's4'], 0.5),
      risk('k4', T + 12 * HOUR, ['s5'], 0.1),
    ]);
    assert.deepEqual(
      views.map(
        (v) => v.kind === 'risk' && [v.duplicate, v.risk, v.contributions.map((c) => [c.id, c.weight])],
      ),
      [
        [false, 0.4, [['s1', 0.4]]],
        [
          false,
          0.52,
          [
            ['s2', 0.4],
            ['s1', 0.2],
          ],
        ],
        [
          true,
          0.52,
          [
            ['s2', 0.4],
            ['s1', 0.2],
          ],
        ],
        [
          false,
          0.82,
          [
            ['s3', 0.5],
            ['s4', 0.5],
            ['s2', 0.2],
            ['s1', 0.1],
          ],
        ],
        // Four kept: s1, the oldest, is gone.
        [
          false,
          0.82,
          [
            ['s3', 0.5],
            ['s4', 0.5],
            ['s2', 0.2],
            ['s5', 0.1],
          ],
        ],
      ],
    );
  });

  test(`${name}: a benign verdict teaches a device and adds an entry that stops at its end; a confirmed one marks the device`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const u = user();
    const HOUR = 3_600_000;
    const verdict = (key: string, atMs: number, extra: Partial<FeedbackOp>): FeedbackOp => ({
      kind: 'feedback',
      user: u,
      eventKey: key,
      atMs,
      verdict: 'benign',
      ...extra,
    });
    const allow = {
      id: 'f1',
      signals: ['new_country'],
      network: '203.0.113.0/24',
      owner: 'sam',
      reason: 'office',
      expiresMs: T + 2 * HOUR,
    };
    const views = await store.apply([
      verdict('f1', T, { device: 'd-new', allow }),
      verdict('f1', T, { device: 'd-new', allow }),
      auth(u, 'e1', T + HOUR, { device: 'd-new' }),
      auth(u, 'e2', T + 3 * HOUR, { device: 'd-new' }),
      verdict('f2', T + 4 * HOUR, { verdict: 'confirmed', device: 'd-new' }),
      auth(u, 'e3', T + 5 * HOUR, { device: 'd-new' }),
    ]);
    assert.deepEqual(
      views.map((v) =>
        v.kind === 'feedback'
          ? [v.duplicate, v.changed]
          : v.kind === 'auth' && [
              v.device?.firstMs === T,
              v.allowlist?.map((e) => e.id),
              v.compromisedSinceMs,
            ],
      ),
      [
        [false, ['device', 'allowlist']],
        [true, ['device', 'allowlist']],
        [true, ['f1'], undefined],
        [true, undefined, undefined],
        [false, ['compromised', 'risk']],
        [true, undefined, T + 4 * HOUR],
      ],
    );
    const [risk] = await store.apply([
      {
        kind: 'risk',
        user: u,
        eventKey: 'e3/risk',
        atMs: T + 5 * HOUR,
        signals: [{ id: 's', type: 'new_device', score: 0.1 }],
      } satisfies RiskOp,
    ]);
    assert.deepEqual(risk!.kind === 'risk' && [risk.risk, risk.confirmedUntilMs], [
      0.95,
      T + 4 * HOUR + 7 * 86_400_000,
    ]);
  });

  test(`${name}: one address failing for many users counts each user once, newest first`, async (t) => {
    const store = await makeStore(t, LIMITS);
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}-${randomUUID()}`;
    const fail = (u: string, atMs: number): IpFailureOp => ({
      kind: 'ip-failure',
      ip,
      user: u,
      eventKey: `f${atMs}`,
      atMs,
    });
    const views = await store.apply([
      fail('u1', T),
      fail('u2', T + MIN),
      fail('u1', T + 2 * MIN),
      fail('u3', T + 11 * MIN),
    ]);
    assert.deepEqual(views, [
      { kind: 'ip-failure', usersBefore: 0, users: 1, sampleUsers: ['u1'] },
      { kind: 'ip-failure', usersBefore: 1, users: 2, sampleUsers: ['u2', 'u1'] },
      { kind: 'ip-failure', usersBefore: 2, users: 2, sampleUsers: ['u1', 'u2'] },
      // u1 and u2 failed within ten minutes before u3: a window near u3 already held two users.
      { kind: 'ip-failure', usersBefore: 2, users: 2, sampleUsers: ['u3', 'u1'] },
    ]);
  });
}
