import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { parse } from 'yaml';
import { pipelineHealth } from '../../src/dashboards/grafana.ts';
import { verifyWebhook, SIGNATURE_HEADER } from '../../src/sinks/alerts/webhook.ts';
import { dashboardQueries } from '../dashboards/queries.ts';
import { startAlertmanager, startPrometheus, startReceiver } from '../harness/monitoring.ts';
import { SAMPLE, produceEvents, readTopic } from '../harness/streams.ts';
import { deployment, deploymentSearch, runVigil, startVigil, waitReady } from '../harness/vigil-process.ts';

const RATE = 1000; // events per second: the sample streams in about three seconds
const SECRET = 'webhook-secret-for-the-test';

// The sample's decisions at or above `high`, each its own page. frank's first step-up (new device and
// new country, both medium) stays below the line. The spray is paged for whichever of its 22 targets
// crossed the threshold, which depends on the order Kafka's partitions are read in.
const EXPECTED_PAGES = [
  'dave impossible_travel revoke_sessions critical',
  'erin bulk_download step_up high',
  'frank bulk_download revoke_sessions critical',
  'grace brute_force step_up high',
  'heidi mfa_fatigue step_up high',
  'a sprayed user password_spray step_up high',
];
const page = (labels: Record<string, string>) =>
  [
    labels.signal === 'password_spray' ? 'a sprayed user' : labels.user,
    labels.signal,
    labels.action,
    labels.severity,
  ].join(' ');

/** grace's brute force again an hour later: new events, the same user, signal and action. */
function repeatOfBruteForce(): string[] {
  return SAMPLE.filter((line) => line.includes('"45.155.205.233"')).map((line, i) => {
    const event = JSON.parse(line) as { event_id: string; occurred_at: string };
    event.event_id = `repeat-${i}`;
    event.occurred_at = new Date(Date.parse(event.occurred_at) + 3_600_000).toISOString();
    return JSON.stringify(event);
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check().catch(() => undefined);
    if (result) return result;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

async function metric(port: number, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function hits(client: Client, index: string, query: object): Promise<number> {
  const { count } = await client.count({ index, query, allow_no_indices: true, ignore_unavailable: true });
  return count;
}

test('e2e: on-call gets one page per user and signal, dashboards query real data', async (t) => {
  const pager = await startReceiver(t); // where Alertmanager pages
  const webhook = await startReceiver(t); // Vigil's own signed webhook
  const alertmanager = await startAlertmanager(t, pager.url);
  const { name, env } = deployment();
  Object.assign(env, {
    VIGIL_ALERTMANAGER_URLS: alertmanager.url,
    VIGIL_ALERT_WEBHOOK_URL: webhook.url,
    VIGIL_ALERT_WEBHOOK_SECRET: SECRET,
    VIGIL_KIBANA_URL: 'https://kibana.example.com',
  });
  await runVigil(env, ['setup']);
  const client = await deploymentSearch(t, name);
  const vigil = await startVigil(t, env);
  await waitReady(vigil);
  const prometheus = await startPrometheus(t, [`127.0.0.1:${vigil.port}`]);
  await produceEvents(env, SAMPLE, [{ topic: env.VIGIL_TOPIC_AUTH!, value: 'not json' }], RATE);

  await t.test('Alertmanager lists each page with its labels and evidence', async () => {
    const alerts = await until('six alerts in Alertmanager', async () => {
      const listed = await alertmanager.alerts();
      return listed.length >= EXPECTED_PAGES.length && listed;
    });
    assert.deepEqual(alerts.map((alert) => page(alert.labels)).sort(), [...EXPECTED_PAGES].sort());
    const dave = alerts.find((alert) => alert.labels.user === 'dave')!;
    assert.equal(dave.labels.alertname, 'VigilRiskDecision');
    assert.match(dave.annotations.summary!, /^dave: London, GB → São Paulo, BR: 9,508 km in 45 min/);
    const evidence = JSON.parse(dave.annotations.evidence!) as {
      type: string;
      evidence: { speedKmh?: number };
    }[];
    assert.deepEqual(
      evidence.map((signal) => signal.type),
      ['impossible_travel', 'new_country', 'new_device'],
    );
    assert.equal(evidence[0]!.evidence.speedKmh, 12644);
    assert.equal(dave.startsAt, '2026-03-19T09:45:00.000Z');
    assert.ok(
      dave.annotations.investigation_url!.startsWith(
        "https://kibana.example.com/app/dashboards#/view/vigil-user-investigation?_g=(time:(from:'2026-03-18T09:45:00.000Z',to:'2026-03-19T10:45:00.000Z'))&_a=(query:(language:kuery,query:'user.id:%22dave%22'))",
      ),
      dave.annotations.investigation_url,
    );
  });

  await t.test('the pager gets one notification per page; the webhook one signed post per page', async () => {
    await until('six notifications', async () => pager.received.length >= EXPECTED_PAGES.length);
    await until('six webhook posts', async () => webhook.received.length >= EXPECTED_PAGES.length);
    const notified = pager.received.flatMap(
      ({ body }) => (JSON.parse(body) as { alerts: { labels: Record<string, string> }[] }).alerts,
    );
    assert.deepEqual(notified.map((alert) => page(alert.labels)).sort(), [...EXPECTED_PAGES].sort());
    for (const { headers, body } of webhook.received)
      assert.ok(verifyWebhook(body, String(headers[SIGNATURE_HEADER]), SECRET), 'signed with the secret');
    const posted = webhook.received.map(
      ({ body }) => (JSON.parse(body) as { alert: { labels: Record<string, string> } }).alert,
    );
    assert.deepEqual(posted.map((alert) => page(alert.labels)).sort(), [...EXPECTED_PAGES].sort());
  });

  await t.test('a repeat of an incident joins its open page instead of paging again', async () => {
    const before = (await alertmanager.alerts()).find((alert) => alert.labels.user === 'grace')!;
    await produceEvents(env, repeatOfBruteForce());
    await readTopic(env.VIGIL_TOPIC_COMMANDS!, 8);
    await until(
      'the repeat sent to Alertmanager',
      async () =>
        (await metric(vigil.port, 'vigil_alerts_total{destination="alertmanager",outcome="sent"}')) === 7,
    );
    await until(
      'the repeat grouped by the webhook',
      async () =>
        (await metric(vigil.port, 'vigil_alerts_total{destination="webhook",outcome="grouped"}')) === 1,
    );
    await sleep(5000); // past Alertmanager's group_wait and two group intervals
    const alerts = await alertmanager.alerts();
    assert.equal(alerts.length, EXPECTED_PAGES.length, 'still one alert per page');
    const after = alerts.find((alert) => alert.labels.user === 'grace')!;
    assert.notEqual(after.annotations.decision_id, before.annotations.decision_id, 'the repeat arrived');
    assert.equal(after.startsAt, before.startsAt, 'and joined the open page');
    assert.equal(pager.received.length, EXPECTED_PAGES.length, 'no second notification');
    assert.equal(webhook.received.length, EXPECTED_PAGES.length, 'no second webhook post');
  });

  await t.test('every PromQL of the pipeline dashboard and the alert rules returns data', async () => {
    const dashboard = pipelineHealth().panels.flatMap((panel) =>
      panel.targets.map((target) => (target as { expr: string }).expr),
    );
    const rules = (
      parse(
        readFileSync(new URL('../../dashboards/prometheus/vigil-rules.yml', import.meta.url), 'utf8'),
      ) as {
        groups: { rules: { expr: string }[] }[];
      }
    ).groups.flatMap((group) => group.rules.map((rule) => rule.expr));
    const expressions = [
      ...dashboard.map((expr) => expr.replaceAll('$instance', '.*').replaceAll('$__rate_interval', '1m')),
      // A rule's condition holds only when something is wrong; its measurement must hold always.
      ...rules.map((expr) => expr.replace(/\s*(==|!=|>=|<=|>|<)\s*[\d.]+/g, '')),
    ];
    await until(
      'Prometheus scraped the processing',
      async () =>
        Number((await prometheus.query('sum(vigil_events_consumed_total)'))[0]?.value[1]) >=
        SAMPLE.length + 13,
    );
    for (const expr of expressions) {
      const result = await prometheus.query(expr);
      assert.ok(result.length > 0, `no data for ${expr}`);
    }
  });

  await t.test('every query and field of the Grafana and Kibana dashboards has hits', async () => {
    // An analyst's benign verdict on Grace's step-up, 25 days ago: its allowlist entry ends in 5 days.
    await client.indices.refresh({ index: `${name}-decisions-*` });
    const grace = await client.search({
      index: `${name}-decisions-*`,
      query: { term: { 'user.id': 'grace' } },
      size: 1,
    });
    const decisionId = grace.hits.hits[0]!._id!;
    await runVigil(env, [
      ...['feedback', '--decision', decisionId, '--user', 'grace', '--verdict', 'benign'],
      ...['--analyst', 'sam', '--reason', 'penetration test', '--allow', 'user'],
      ...['--signals', 'brute_force', '--at', new Date(Date.now() - 25 * 86_400_000).toISOString()],
    ]);
    await until('the verdict marked on its decision', async () => {
      await client.indices.refresh({ index: `${name}-*` });
      return (await hits(client, `${name}-decisions-*`, { exists: { field: 'vigil.verdict.status' } })) > 0;
    });
    await client.indices.refresh({ index: `${name}-*` });
    for (const { index, query, fields, where } of dashboardQueries(name)) {
      const queryString = { query_string: { query, analyze_wildcard: true } };
      assert.ok((await hits(client, index, queryString)) > 0, `${where}: no hits for ${query} in ${index}`);
      for (const field of fields) {
        const found = await hits(client, index, { bool: { filter: [queryString, { exists: { field } }] } });
        assert.ok(found > 0, `${where}: no ${field} in ${index} where ${query}`);
      }
    }
  });
});
