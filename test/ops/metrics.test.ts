import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startHttpServer } from '../../src/ops/http-server.ts';
import { createMetrics } from '../../src/ops/metrics.ts';

const series = async (registry: ReturnType<typeof createMetrics>['registry'], name: string) =>
  (await registry.metrics()).split('\n').find((line) => line.startsWith(`${name} `));

test('vigil_geo_data_age_seconds: data built 46 days ago is 3,974,400 s old', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-05-23T00:00:00Z') });
  const { registry } = createMetrics({ geoDataBuiltAtMs: () => Date.parse('2026-04-07T00:00:00Z') });
  assert.equal(await series(registry, 'vigil_geo_data_age_seconds'), 'vigil_geo_data_age_seconds 3974400');
});

test('vigil_geo_data_age_seconds is +Inf when the build date is unknown, and absent without GeoIP', async () => {
  const { registry } = createMetrics({ geoDataBuiltAtMs: () => undefined });
  assert.equal(await series(registry, 'vigil_geo_data_age_seconds'), 'vigil_geo_data_age_seconds +Inf');
  assert.equal(await series(createMetrics().registry, 'vigil_geo_data_age_seconds'), undefined);
});

test('promtool check metrics passes on /metrics as vigil run serves it, every metric set', async (t) => {
  const { registry, metrics } = createMetrics({
    ready: () => true,
    geoDataBuiltAtMs: () => undefined,
    lastCommitMs: () => ({ pipeline: Date.now(), indexer: Date.now() }),
  });
  metrics.consumed('vigil.auth-events', 3);
  metrics.outcome('processed', 3);
  metrics.deadLettered('invalid', 1);
  metrics.idConflict();
  metrics.indexed(9);
  metrics.signal('impossible_travel');
  metrics.decision('revoke_sessions');
  metrics.command('revoke_sessions');
  metrics.batchSeconds(0.02);
  metrics.stageSeconds('state', 0.01);
  metrics.eventToCommandSeconds(0.3);
  metrics.eventTimeLagSeconds(172_800);
  metrics.lag('vigil.auth-events', 0, 4);
  metrics.sinkError('search');
  metrics.producerReplaced('pipeline');
  metrics.alert('alertmanager', 'sent');
  metrics.alertSkipped('stale');
  metrics.ssfStream('4f1c2a9e-push', 'push');
  metrics.ssfStream('7d3b5e01-poll', 'poll');
  metrics.ssfQueued('4f1c2a9e-push', 'push');
  metrics.ssfPush('4f1c2a9e-push', 'retried');
  metrics.ssfPush('4f1c2a9e-push', 'delivered');
  metrics.ssfPoll('7d3b5e01-poll');
  metrics.ssfVerification('7d3b5e01-poll');
  const server = await startHttpServer({ registry, ready: () => true }, 0, '127.0.0.1');
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  const exposition = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  const lint = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  assert.equal(lint.error, undefined);
  assert.equal(`${lint.stdout}${lint.stderr}`, '');
  assert.equal(lint.status, 0);
  // The gauges promtool refused are gone; their by-type siblings stay.
  assert.doesNotMatch(exposition, /^vigil_nodejs_active_\w+_total/m);
  assert.match(exposition, /^# TYPE vigil_nodejs_active_handles gauge$/m);
});

test('promtool check metrics fails on a gauge named like a counter: the lint is live', () => {
  const lint = spawnSync('promtool', ['check', 'metrics'], {
    input: '# HELP vigil_x_total X.\n# TYPE vigil_x_total gauge\nvigil_x_total 1\n',
    encoding: 'utf8',
  });
  assert.equal(lint.status, 3);
  assert.match(lint.stderr, /vigil_x_total non-counter metrics should not have "_total" suffix/);
});

test('labelled counters with known label values start at zero, before anything happens', async () => {
  const exposition = await createMetrics().registry.metrics();
  const zeros = (name: string, label: string) =>
    [...exposition.matchAll(new RegExp(`^${name}\\{${label}="(\\w+)"\\} 0$`, 'gm'))].map((m) => m[1]);
  assert.deepEqual(zeros('vigil_signals_total', 'type'), [
    'impossible_travel',
    'new_device',
    'new_country',
    'bulk_download',
    'brute_force',
    'mfa_fatigue',
    'password_spray',
    'unusual_request_rate',
    'resource_exploration',
    'confirmed_compromise',
  ]);
  assert.deepEqual(zeros('vigil_decisions_total', 'action'), ['allow', 'step_up', 'revoke_sessions']);
  assert.deepEqual(zeros('vigil_commands_total', 'action'), ['step_up', 'revoke_sessions']);
  assert.deepEqual(zeros('vigil_dead_letters_total', 'reason'), [
    'malformed',
    'invalid',
    'event_time_out_of_range',
    'processing_failed',
    'search_rejected',
  ]);
  assert.deepEqual(zeros('vigil_stage_duration_seconds_count', 'stage'), ['state', 'kafka', 'search']);
});

test('an SSF stream’s series start at zero when it is known, and go with it', async () => {
  const { registry, metrics } = createMetrics();
  const ssfLines = async () =>
    (await registry.metrics()).split('\n').filter((line) => line.startsWith('vigil_ssf_'));
  assert.deepEqual(await ssfLines(), []);
  metrics.ssfStream('s-push', 'push');
  metrics.ssfStream('s-poll', 'poll');
  assert.deepEqual(await ssfLines(), [
    'vigil_ssf_events_queued_total{stream="s-push",method="push"} 0',
    'vigil_ssf_events_queued_total{stream="s-poll",method="poll"} 0',
    'vigil_ssf_pushes_total{stream="s-push",outcome="delivered"} 0',
    'vigil_ssf_pushes_total{stream="s-push",outcome="retried"} 0',
    'vigil_ssf_pushes_total{stream="s-push",outcome="refused"} 0',
    'vigil_ssf_pushes_total{stream="s-push",outcome="given_up"} 0',
    'vigil_ssf_poll_requests_total{stream="s-poll"} 0',
    'vigil_ssf_verification_events_total{stream="s-push"} 0',
    'vigil_ssf_verification_events_total{stream="s-poll"} 0',
  ]);
  metrics.ssfPush('s-push', 'retried');
  metrics.ssfStream('s-push', 'push');
  assert.ok(
    (await ssfLines()).includes('vigil_ssf_pushes_total{stream="s-push",outcome="retried"} 1'),
    'known again, kept',
  );
  metrics.ssfStreamDeleted('s-push', 'push');
  assert.deepEqual(
    (await ssfLines()).filter((line) => line.includes('s-push')),
    [],
  );
});

test('totals read back what the metrics counted, summed over topics and partitions', async () => {
  const { metrics, totals } = createMetrics();
  metrics.consumed('vigil.auth-events', 40);
  metrics.consumed('vigil.access-events', 2);
  metrics.signal('new_device');
  metrics.signal('new_device');
  metrics.decision('step_up');
  metrics.deadLettered('malformed', 3);
  metrics.lag('vigil.auth-events', 0, 5);
  metrics.lag('vigil.auth-events', 1, 7);
  metrics.stageSeconds('state', 0.25);
  metrics.stageSeconds('state', 0.75);
  const read = await totals();
  assert.equal(read.consumed, 42);
  assert.equal(read.signals.new_device, 2);
  assert.equal(read.signals.impossible_travel, 0);
  assert.deepEqual(read.decisions, { allow: 0, step_up: 1, revoke_sessions: 0 });
  assert.equal(read.deadLetters.malformed, 3);
  assert.deepEqual(read.lag, { 'vigil.auth-events': 12 });
  assert.deepEqual(read.stages, {
    state: { seconds: 1, batches: 2 },
    kafka: { seconds: 0, batches: 0 },
    search: { seconds: 0, batches: 0 },
  });
});
