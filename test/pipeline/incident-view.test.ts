import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/cli/wiring.ts';
import { loadConfig } from '../../src/config/index.ts';
import { newestEventClock } from '../../src/events/event-time.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { stateLimits, type Outcome } from '../../src/pipeline/engine.ts';
import { describeSignal, formatGap, IncidentView, utc } from '../../src/pipeline/incident-view.ts';
import { MemoryStateStore } from '../../src/state/memory/store.ts';

const SAMPLE = new URL('../fixtures/sample.ndjson', import.meta.url);
const SGR = /\u001b\[[0-9;]*m/;

/** The outcomes of events processed in order by one engine with in-memory state, as `replay` does. */
async function outcomesOf(lines: readonly string[]): Promise<Outcome[]> {
  const config = loadConfig({ env: {} });
  const { engine, geo } = createEngine(
    config,
    new MemoryStateStore(stateLimits(config.detect)),
    createLogger({ level: 'silent' }),
    { clock: newestEventClock() },
  );
  try {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < lines.length; i += 500) {
      const batch = await engine.process(lines.slice(i, i + 500).map((value) => ({ value })));
      await batch.release();
      outcomes.push(...batch.outcomes);
    }
    return outcomes;
  } finally {
    await engine.close();
    geo.close();
  }
}

const sample = await outcomesOf(readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean));

function viewOf(outcomes: readonly Outcome[]): IncidentView {
  const view = new IncidentView();
  for (const outcome of outcomes) view.add(outcome);
  return view;
}

test('the sample: eight users, revocations first, each signal in words with its evidence, in UTC', () => {
  assert.equal(
    viewOf(sample).render({ colour: false }),
    `9 decisions for 8 users: 2 revoke sessions, 7 step up

dave
  2026-03-19 09:45:00 UTC  revoke sessions, risk 0.94 (near-certain takeover), event evt-002546
    login success from 177.148.157.16 (São Paulo, Brazil), device android-7f3a, session s-dave-20531
    impossible travel (high): 9,508 km in 45 min, at least 12,644 km/h (limit 900 km/h)
      from London, United Kingdom  80.47.7.180     2026-03-19 09:00:00 UTC
      to   São Paulo, Brazil       177.148.157.16  2026-03-19 09:45:00 UTC
    new device (medium): android-7f3a (okhttp/4.12.0), never seen for this user; 2 known devices
    new country (medium): Brazil (São Paulo, 177.148.157.16), first sign-in from there; known: United Kingdom

frank
  2026-03-21 03:00:00 UTC  step up, risk 0.70 (ask for fresh MFA), event evt-002550
    login success from 102.89.32.1 (Nigeria), device pixel-unknown, session s-frank-20533
    new device (medium): pixel-unknown (okhttp/4.12.0), never seen for this user; 2 known devices
    new country (medium): Nigeria (102.89.32.1), first sign-in from there; known: Germany
  2026-03-21 03:03:00 UTC  revoke sessions, risk 0.90 (near-certain takeover), event evt-002551
    download finance/invoices (2,500 records) from 102.89.32.1 (Nigeria), device pixel-unknown, session s-frank-20533
    bulk download (critical): 2,500 records in 10 min over 1 request (threshold 1,000), from a new device and a new country
    accumulated risk 0.97 from 3 signals (bulk download, new country, new device; half-life 6 h)

erin
  2026-03-20 14:08:00 UTC  step up, risk 0.70 (ask for fresh MFA), event evt-002549
    export crm/contacts (400 records) from 63.118.167.144 (New York, United States), device erin-laptop, session s-erin-20532
    bulk download (high): 1,200 records in 10 min over 3 requests (threshold 1,000)

heidi
  2026-03-21 15:04:00 UTC  step up, risk 0.70 (ask for fresh MFA), event evt-002568
    mfa failure from 5.255.255.5 (Russia), session s-heidi-20533
    MFA fatigue (high): 5 rejected MFA challenges in 10 min (threshold 5) from 5.255.255.5

grace
  2026-03-21 02:04:30 UTC  step up, risk 0.60 (ask for fresh MFA), event evt-002561
    login failure from 45.155.205.233, session s-grace-20533
    brute force (high): 10 failed logins in 10 min (threshold 10) from 45.155.205.233

wendy
  2026-03-22 03:06:20 UTC  step up, risk 0.60 (ask for fresh MFA), event evt-002589
    login failure from 185.220.101.5 (Germany), session s-wendy-20534
    password spray (high): failed sign-ins for 20 users from 185.220.101.5 in 10 min (threshold 20)
      among them: victor, wendy, uma, sybil, trent, rupert, olivia, peggy, niaj, judy, …

ivan
  2026-03-22 10:14:54 UTC  step up, risk 0.50 (ask for fresh MFA), event evt-002741
    read crm/contacts/41043 (1 record) from 79.108.71.30 (Madrid, Spain), device ivan-laptop, session s-ivan-20534
    unusual request rate (medium): 150 requests in 60 min (150 an hour; usually 2 an hour over 36 active hours, threshold 150)
      latest: read crm/contacts/41043

judy
  2026-03-22 15:14:00 UTC  step up, risk 0.50 (ask for fresh MFA), event evt-003006
    read security/audit (3 records) from 99.239.95.117 (Toronto, Canada), device judy-laptop, session s-judy-20534
    resource exploration (medium): 15 resources never accessed before in 60 min (threshold 15; 20 known)
      latest: security/audit
`,
  );
});

test('colours only when asked: the revocation in bold red, nothing styled without', () => {
  const view = viewOf(sample);
  const coloured = view.render({ colour: true });
  assert.ok(coloured.includes('\u001b[1m\u001b[31mrevoke sessions\u001b[39m\u001b[22m'));
  assert.doesNotMatch(view.render({ colour: false }), SGR);
  assert.equal(coloured.replace(new RegExp(SGR, 'g'), ''), view.render({ colour: false }));
});

test('a redelivered event adds no second decision, and no decision at all says so', async () => {
  const lines = readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean);
  const quiet = await outcomesOf(lines.slice(0, 50));
  assert.equal(viewOf(quiet).render({ colour: false }), 'no incidents: no event raised a signal\n');
  const duplicate = sample.find((outcome) => outcome.status === 'processed' && outcome.decision)!;
  const twice = viewOf([duplicate, { ...duplicate, status: 'duplicate' } as Outcome]);
  assert.match(twice.render({ colour: false }), /^1 decision for 1 user: 1 revoke sessions$/m);
});

test('control characters from events are shown escaped: the user id and the device', async () => {
  const at = (minute: number) => `2026-03-19T09:${String(minute).padStart(2, '0')}:00Z`;
  const user = 'eve\u001b]0;owned\u0007';
  const device = 'dev\u001b[2J';
  const outcomes = await outcomesOf(
    Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({
        event_id: `f-${i}`,
        occurred_at: at(i),
        type: 'login_failure',
        user_id: user,
        ip: '45.155.205.233',
        device_id: device,
      }),
    ),
  );
  const text = viewOf(outcomes).render({ colour: false });
  assert.doesNotMatch(text, /\u001b/);
  assert.match(text, /^eve\\u001b\]0;owned\\u0007$/m);
  assert.match(text, /device dev\\u001b\[2J/);
});

test('evidence in words: travel between countries, a returning device, a baseline, a /64 spray', () => {
  const travel = describeSignal({
    type: 'impossible_travel',
    evidence: {
      from: { at: '2026-03-19T07:00:00.000Z', ip: '81.2.69.160', country: 'GB', city: null },
      to: { at: '2026-03-19T09:15:00.000Z', ip: '1.1.1.1', country: 'AU', city: null },
      distanceKm: 15300.2,
      effectiveDistanceKm: 14200.7,
      basis: 'countries',
      gapSeconds: 8100,
      speedKmh: 6311,
      maxSpeedKmh: 900,
    },
  });
  assert.deepEqual(travel, {
    headline: '14,201 km between the countries in 2 h 15 min, at least 6,311 km/h (limit 900 km/h)',
    details: [
      'from United Kingdom  81.2.69.160  2026-03-19 07:00:00 UTC',
      'to   Australia       1.1.1.1      2026-03-19 09:15:00 UTC',
    ],
  });
  assert.equal(
    describeSignal({
      type: 'new_device',
      evidence: {
        deviceId: null,
        userAgent: 'curl/8.5',
        lastSeen: '2025-11-02T08:00:00.000Z',
        knownDevices: 1,
      },
    })?.headline,
    'a device (curl/8.5), not used since 2025-11-02 08:00:00 UTC; 1 known device',
  );
  assert.equal(
    describeSignal({
      type: 'bulk_download',
      evidence: {
        records: 640,
        events: 2,
        windowMinutes: 10,
        threshold: 500,
        rule: 'baseline',
        baselineRecords: 50,
        aggravating: [],
      },
    })?.headline,
    '640 records in 10 min over 2 requests (threshold 500, from a baseline of 50)',
  );
  assert.deepEqual(
    describeSignal({
      type: 'password_spray',
      evidence: {
        ip: '2001:db8::7',
        users: 3,
        prefix64Users: 21,
        sampleUsers: ['ann', 'bob'],
        windowMinutes: 10,
        threshold: 20,
        scope: 'prefix64',
      },
    }),
    {
      headline: "failed sign-ins for 21 users from 2001:db8::7's /64 in 10 min (threshold 20)",
      details: ['among them: ann, bob, …'],
    },
  );
});

test('evidence in words: a request-rate ceiling, resource exploration with the path as sent', () => {
  assert.deepEqual(
    describeSignal({
      type: 'unusual_request_rate',
      evidence: {
        requests: 1500,
        requestsPerHour: 1500,
        windowMinutes: 60,
        usualRequestsPerHour: 40,
        baselineHours: 96,
        threshold: 1500,
        rule: 'ceiling',
        lastAction: 'read',
        lastResource: '/customers/8812',
      },
    }),
    {
      headline: '1,500 requests in 60 min (1,500 an hour; ceiling 1,500)',
      details: ['latest: read /customers/8812'],
    },
  );
  assert.deepEqual(
    describeSignal({
      type: 'resource_exploration',
      evidence: {
        newResources: 16,
        windowMinutes: 60,
        threshold: 15,
        knownResources: 4,
        resource: '/customers/{id}/orders',
        rawResource: '/customers/8812/orders',
      },
    }),
    {
      headline: '16 resources never accessed before in 60 min (threshold 15; 4 known)',
      details: ['latest: /customers/{id}/orders (/customers/8812/orders)'],
    },
  );
});

test("analysts' verdicts: under the decision they judge, a confirmed takeover's revocation as its own", () => {
  const view = viewOf(sample);
  const decided = (user: string) => {
    const outcome = sample.find((o) => o.status === 'processed' && o.decision?.user_id === user);
    if (outcome?.status !== 'processed') throw new Error(`no decision for ${user}`);
    return outcome.decision!;
  };
  const dave = decided('dave');
  const verdict = {
    kind: 'feedback' as const,
    feedback_id: 'f1',
    occurred_at: '2026-03-19T10:30:00Z',
    user_id: 'dave',
    decision_id: dave.id,
    verdict: 'confirmed' as const,
    analyst: 'sam',
    reason: 'phished',
    device_id: 'android-7f3a',
  };
  const signal = {
    id: 'revocation-signal',
    event_id: 'f1',
    user_id: 'dave',
    occurred_at: verdict.occurred_at,
    score: 1,
    type: 'confirmed_compromise' as const,
    severity: 'critical' as const,
    summary: 'sam confirmed a takeover: phished',
    evidence: { decisionId: dave.id, analyst: 'sam', reason: 'phished' },
  };
  view.addFeedback({
    status: 'applied',
    feedback: verdict,
    key: 'k1',
    changed: ['compromised', 'risk'],
    // As the engine makes it: no event, so no session and no accumulated risk.
    decision: {
      id: 'revocation',
      event_id: 'f1',
      user_id: 'dave',
      occurred_at: verdict.occurred_at,
      action: 'revoke_sessions',
      risk: 1,
      rule: 'near-certain takeover',
      signals: [signal],
    },
  });
  // A verdict on a decision this view never showed stands under nothing; one seen again is not repeated.
  view.addFeedback({
    status: 'applied',
    feedback: { ...verdict, feedback_id: 'f2', decision_id: 'elsewhere', verdict: 'benign' },
    key: 'k2',
    changed: [],
  });
  view.addFeedback({ status: 'duplicate', feedback: verdict, key: 'k1', changed: [] });
  const text = view.render({ colour: false });
  assert.match(text, /^10 decisions for 8 users: 3 revoke sessions, 7 step up$/m);
  const block = text.slice(text.indexOf('\ndave\n'), text.indexOf('\nfrank\n'));
  assert.equal(block.match(/confirmed by sam/g)?.length, 1, block);
  assert.match(
    block,
    /new country \(medium\).*\n {4}confirmed by sam at 2026-03-19 10:30:00 UTC: phished\n {2}2026-03-19 10:30:00 UTC {2}revoke sessions, risk 1\.00/,
  );
  assert.match(block, /^ {4}sam confirmed a takeover \(decision [\w-]+\), device android-7f3a$/m);
  assert.match(block, /^ {4}confirmed compromise \(critical\): sam confirmed a takeover: phished$/m);
  assert.doesNotMatch(text, /benign/);
});

test('evidence missing a field falls back to the signal summary', () => {
  assert.equal(describeSignal({ type: 'brute_force', evidence: { failures: 10 } }), undefined);
  const view = new IncidentView();
  const outcome = sample.find((o) => o.status === 'processed' && o.decision?.user_id === 'grace')!;
  if (outcome.status === 'rejected') throw new Error('unreachable');
  const signal = { ...outcome.signals[0]!, evidence: {} };
  view.add({ ...outcome, decision: { ...outcome.decision!, signals: [signal] } });
  assert.match(view.render({ colour: false }), /^ {4}brute force \(high\): 10 failed logins in 10 min$/m);
});

test('times and gaps: UTC to the second; 40 s, 45 min, 2 h, 3 d 4 h', () => {
  assert.equal(utc('2026-03-21T02:04:30.000+01:00'), '2026-03-21 01:04:30 UTC');
  assert.deepEqual([40, 2700, 7200, 273_600].map(formatGap), ['40 s', '45 min', '2 h', '3 d 4 h']);
});
