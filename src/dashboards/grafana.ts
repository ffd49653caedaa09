import { ALLOWLIST_ACTIVE_QUERY, ALLOWLIST_ENDING_QUERY } from './allowlist-queries.ts';

/**
 * Grafana's two Vigil dashboards, as data: security overview from the search engine, pipeline health
 * from Prometheus. `vigil dashboards` writes them to dashboards/grafana/dashboards/, where Grafana's
 * provisioning picks them up; the datasource uids match dashboards/grafana/provisioning/datasources.
 */

export const GRAFANA_DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'vigil-prometheus' },
  events: { type: 'elasticsearch', uid: 'vigil-events' },
  signals: { type: 'elasticsearch', uid: 'vigil-signals' },
  decisions: { type: 'elasticsearch', uid: 'vigil-decisions' },
  allowlist: { type: 'elasticsearch', uid: 'vigil-allowlist' },
} as const;

type Datasource = (typeof GRAFANA_DATASOURCES)[keyof typeof GRAFANA_DATASOURCES];

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly datasource: Datasource;
  readonly targets: readonly object[];
  readonly w: number;
  readonly h: number;
  readonly unit?: string;
  /** Field display, e.g. bars instead of lines. */
  readonly custom?: object;
  readonly options?: object;
  readonly transformations?: readonly object[];
  /** The panel's own range back from now (`1y`), instead of the dashboard's. */
  readonly timeFrom?: string;
}

/** Lays panels out left to right in rows of 24 columns, as Grafana's grid does. */
function dashboard(
  uid: string,
  title: string,
  description: string,
  panels: readonly Panel[],
  extra: object = {},
) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return {
    uid,
    title,
    description,
    tags: ['vigil'],
    editable: true,
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-24h', to: 'now' },
    ...extra,
    panels: panels.map(({ w, h, unit, custom, options, transformations, ...panel }, i) => {
      if (x + w > 24) [x, y, rowHeight] = [0, y + rowHeight, 0];
      const gridPos = { x, y, w, h };
      [x, rowHeight] = [x + w, Math.max(rowHeight, h)];
      return {
        id: i + 1,
        ...panel,
        gridPos,
        fieldConfig: { defaults: { ...(unit && { unit }), ...(custom && { custom }) }, overrides: [] },
        options: options ?? {},
        ...(transformations && { transformations }),
      };
    }),
  };
}

// ---- Security overview (search engine) ----

const count = [{ id: '1', type: 'count' }];
const overTime = { id: '9', type: 'date_histogram', field: '@timestamp', settings: { interval: 'auto' } };
const termsOf = (field: string, orderBy = '_count', size = '10') => ({
  id: '2',
  type: 'terms',
  field,
  settings: { size, order: 'desc', orderBy, min_doc_count: '1' },
});
const search = (query: string, metrics: readonly object[], bucketAggs: readonly object[]) => ({
  refId: 'A',
  query,
  metrics,
  bucketAggs,
  timeField: '@timestamp',
});
const bars = { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal' } };

const ACCESS_ANOMALY_COLUMNS = [
  'user.id',
  'vigil.signal.type',
  'message',
  'vigil.evidence.requests',
  'vigil.evidence.usualRequestsPerHour',
  'vigil.evidence.newResources',
  'vigil.evidence.resource',
];
const TRAVEL_COLUMNS = [
  '@timestamp',
  'user.id',
  'vigil.evidence.from.city',
  'vigil.evidence.from.country',
  'vigil.evidence.to.city',
  'vigil.evidence.to.country',
  'vigil.evidence.distanceKm',
  'vigil.evidence.gapSeconds',
  'vigil.evidence.speedKmh',
  'message',
];

/**
 * An allowlist entry lasts at most a year (`MAX_ALLOW_DAYS`): its panels look a year back from the
 * verdict, and pick the entries still acting by their end.
 */
const ALLOWLIST_TIME_FROM = '1y';
const ALLOWLIST_COLUMNS = [
  'user.id',
  'vigil.allowlist.scope',
  'vigil.allowlist.signals',
  'vigil.allowlist.owner',
  'vigil.allowlist.expires_at',
  'vigil.allowlist.reason',
];

export function securityOverview() {
  const { events, signals, decisions, allowlist } = GRAFANA_DATASOURCES;
  return dashboard(
    'vigil-security',
    'Vigil — security overview',
    'Signals, decisions and sign-in locations from the search engine. Open a user in Kibana for the evidence.',
    [
      {
        type: 'stat',
        title: 'Sessions revoked',
        description: 'Decisions that revoked a user’s sessions.',
        datasource: decisions,
        targets: [search('vigil.decision.action:revoke_sessions', count, [overTime])],
        options: { reduceOptions: { calcs: ['sum'] }, colorMode: 'background' },
        w: 6,
        h: 5,
      },
      {
        type: 'stat',
        title: 'Step-ups required',
        description: 'Decisions that demanded fresh multi-factor authentication.',
        datasource: decisions,
        targets: [search('vigil.decision.action:step_up', count, [overTime])],
        options: { reduceOptions: { calcs: ['sum'] } },
        w: 6,
        h: 5,
      },
      {
        type: 'stat',
        title: 'Signals',
        description: 'Every signal raised, acted on or not.',
        datasource: signals,
        targets: [search('*', count, [overTime])],
        options: { reduceOptions: { calcs: ['sum'] } },
        w: 6,
        h: 5,
      },
      {
        type: 'stat',
        title: 'Failed sign-ins',
        description: 'Failed logins and rejected MFA challenges.',
        datasource: events,
        targets: [search('event.category:authentication AND event.outcome:failure', count, [overTime])],
        options: { reduceOptions: { calcs: ['sum'] } },
        w: 6,
        h: 5,
      },
      {
        type: 'timeseries',
        title: 'Signals over time, by signal',
        description: 'What Vigil noticed, by type.',
        datasource: signals,
        targets: [search('*', count, [termsOf('vigil.signal.type'), overTime])],
        custom: bars,
        options: { legend: { displayMode: 'table', placement: 'right', calcs: ['sum'] } },
        w: 12,
        h: 9,
      },
      {
        type: 'timeseries',
        title: 'Decisions over time, by action',
        description: 'Step-ups and revocations issued.',
        datasource: decisions,
        targets: [search('*', count, [termsOf('vigil.decision.action'), overTime])],
        custom: bars,
        options: { legend: { displayMode: 'list', placement: 'bottom' } },
        w: 12,
        h: 9,
      },
      {
        type: 'geomap',
        title: 'Sign-in locations',
        description: 'Successful sign-ins by place (GeoIP, or the emitter’s own coordinates).',
        datasource: events,
        targets: [
          search('event.category:authentication AND event.outcome:success', count, [
            { id: '2', type: 'geohash_grid', field: 'source.geo.location', settings: { precision: '4' } },
          ]),
        ],
        options: {
          view: { id: 'zero', lat: 20, lon: 0, zoom: 1 },
          layers: [
            {
              type: 'markers',
              name: 'Sign-ins',
              location: { mode: 'geohash', geohash: 'source.geo.location' },
              config: { size: { field: 'Count', min: 3, max: 20 }, color: { fixed: 'blue' } },
            },
          ],
        },
        w: 12,
        h: 12,
      },
      {
        type: 'table',
        title: 'Riskiest users',
        description: 'Users by the highest risk of their decisions (0–100).',
        datasource: decisions,
        targets: [
          search('*', [{ id: '1', type: 'max', field: 'event.risk_score' }], [termsOf('user.id', '1', '15')]),
        ],
        options: { sortBy: [{ displayName: 'Max event.risk_score', desc: true }] },
        w: 12,
        h: 12,
      },
      {
        type: 'table',
        title: 'Recent scraping and exploration',
        description:
          "Requests against the user's usual hourly rate, and bursts of first accesses to resources.",
        datasource: signals,
        targets: [
          search(
            'vigil.signal.type:(unusual_request_rate OR resource_exploration)',
            [{ id: '1', type: 'raw_data', settings: { size: '50' } }],
            [],
          ),
        ],
        transformations: [
          {
            id: 'organize',
            options: {
              includeByName: Object.fromEntries(ACCESS_ANOMALY_COLUMNS.map((field) => [field, true])),
              indexByName: Object.fromEntries(ACCESS_ANOMALY_COLUMNS.map((field, i) => [field, i])),
            },
          },
        ],
        w: 24,
        h: 10,
      },
      {
        type: 'table',
        title: 'Recent impossible travel',
        description: 'Both places, the distance, the gap and the speed: the evidence of each alert.',
        datasource: signals,
        targets: [
          search(
            'vigil.signal.type:impossible_travel',
            [{ id: '1', type: 'raw_data', settings: { size: '50' } }],
            [],
          ),
        ],
        transformations: [
          {
            id: 'organize',
            options: {
              includeByName: Object.fromEntries(TRAVEL_COLUMNS.map((field) => [field, true])),
              indexByName: Object.fromEntries(TRAVEL_COLUMNS.map((field, i) => [field, i])),
            },
          },
        ],
        w: 24,
        h: 10,
      },
      {
        type: 'stat',
        title: 'Allowlist entries active',
        description: 'Entries from benign verdicts that still quiet signals.',
        datasource: allowlist,
        targets: [search(ALLOWLIST_ACTIVE_QUERY, count, [overTime])],
        options: { reduceOptions: { calcs: ['sum'] } },
        timeFrom: ALLOWLIST_TIME_FROM,
        w: 8,
        h: 5,
      },
      {
        type: 'stat',
        title: 'Users covered by the allowlist',
        description: 'Users with at least one active entry.',
        datasource: allowlist,
        // One row per user: the stat counts the rows.
        targets: [search(ALLOWLIST_ACTIVE_QUERY, count, [termsOf('user.id', '_count', '10000')])],
        options: { reduceOptions: { calcs: ['count'], fields: '/^Count$/' } },
        timeFrom: ALLOWLIST_TIME_FROM,
        w: 8,
        h: 5,
      },
      {
        type: 'stat',
        title: 'Allowlist entries ending within 7 days',
        description: 'Entries that stop acting this week: renew them with a new verdict, or let them end.',
        datasource: allowlist,
        targets: [search(ALLOWLIST_ENDING_QUERY, count, [overTime])],
        options: { reduceOptions: { calcs: ['sum'] }, colorMode: 'background' },
        timeFrom: ALLOWLIST_TIME_FROM,
        w: 8,
        h: 5,
      },
      {
        type: 'table',
        title: 'Active allowlist entries',
        description: 'Who each entry covers, what it quiets, whose it is, when it ends and why.',
        datasource: allowlist,
        targets: [
          search(ALLOWLIST_ACTIVE_QUERY, [{ id: '1', type: 'raw_data', settings: { size: '200' } }], []),
        ],
        transformations: [
          {
            id: 'organize',
            options: {
              includeByName: Object.fromEntries(ALLOWLIST_COLUMNS.map((field) => [field, true])),
              indexByName: Object.fromEntries(ALLOWLIST_COLUMNS.map((field, i) => [field, i])),
            },
          },
        ],
        timeFrom: ALLOWLIST_TIME_FROM,
        w: 24,
        h: 10,
      },
    ],
  );
}

// ---- Pipeline health (Prometheus) ----

const on = '{instance=~"$instance"}';
const promql = (expr: string, legendFormat = '') => ({ refId: 'A', expr, legendFormat });
const rate = (metric: string, by: string) => `sum by (${by}) (rate(${metric}${on}[$__rate_interval]))`;
const quantiles = (metric: string) =>
  [0.5, 0.99].map((q, i) => ({
    ...promql(
      `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket${on}[$__rate_interval])))`,
      `p${q * 100}`,
    ),
    refId: 'AB'[i],
  }));

export function pipelineHealth() {
  const { prometheus } = GRAFANA_DATASOURCES;
  const timeseries = (
    title: string,
    description: string,
    targets: object[],
    unit: string,
    w = 12,
  ): Panel => ({
    type: 'timeseries',
    title,
    description,
    datasource: prometheus,
    targets,
    unit,
    w,
    h: 8,
  });
  return dashboard(
    'vigil-pipeline',
    'Vigil — pipeline health',
    'Throughput, lag, dead letters, latency and dependencies of every Vigil processor.',
    [
      {
        type: 'stat',
        title: 'Processors ready',
        description: 'Processors in their consumer group; fewer than deployed means one is down or stuck.',
        datasource: prometheus,
        targets: [promql(`sum(vigil_ready${on})`)],
        w: 6,
        h: 5,
      },
      {
        type: 'stat',
        title: 'Consumer lag',
        description: 'Messages waiting on the input and documents topics, all partitions.',
        datasource: prometheus,
        targets: [promql(`sum(vigil_consumer_lag${on})`)],
        w: 6,
        h: 5,
      },
      {
        type: 'stat',
        title: 'Dead letters, last hour',
        description: 'Malformed or invalid events and documents the search engine refused.',
        datasource: prometheus,
        targets: [promql(`sum(increase(vigil_dead_letters_total${on}[1h]))`)],
        w: 6,
        h: 5,
      },
      {
        type: 'stat',
        title: 'Event → command p99',
        description: 'From Kafka receiving the event to its revocation or step-up being committed.',
        datasource: prometheus,
        targets: [
          promql(
            `histogram_quantile(0.99, sum by (le) (rate(vigil_event_to_command_seconds_bucket${on}[$__rate_interval])))`,
          ),
        ],
        unit: 's',
        w: 6,
        h: 5,
      },
      timeseries(
        'Events consumed',
        'Messages read per second, by input topic.',
        [promql(rate('vigil_events_consumed_total', 'topic'), '{{topic}}')],
        'ops',
      ),
      timeseries(
        'Event outcomes',
        'Processed, duplicate (redelivered) and rejected events per second.',
        [promql(rate('vigil_events_total', 'status'), '{{status}}')],
        'ops',
      ),
      timeseries(
        'Consumer lag by topic',
        'Messages behind the end of each topic, as of the last batch; the documents topic is what the search engine has yet to show.',
        [promql(`sum by (topic) (vigil_consumer_lag${on})`, '{{topic}}')],
        'short',
      ),
      timeseries(
        'Documents indexed',
        'Events, signals and decisions written to the search engine per second.',
        [promql(`sum(rate(vigil_documents_indexed_total${on}[$__rate_interval]))`, 'documents')],
        'ops',
      ),
      timeseries(
        'Dead letters',
        'Messages sent to the dead-letter topic per second, by reason.',
        [promql(rate('vigil_dead_letters_total', 'reason'), '{{reason}}')],
        'ops',
      ),
      timeseries(
        'Batch duration',
        'From a batch handed over by Kafka to its offsets committed.',
        quantiles('vigil_batch_duration_seconds'),
        's',
      ),
      timeseries(
        'Event → command latency',
        'From Kafka receiving an event to its command being committed: what VigilCommandsSlow watches.',
        quantiles('vigil_event_to_command_seconds'),
        's',
      ),
      timeseries(
        'Event age',
        'From an event occurring (occurred_at) to its processing: high for replays, back-fills and slow emitters, which delay no command.',
        quantiles('vigil_event_time_lag_seconds'),
        's',
      ),
      timeseries(
        'Sink errors',
        'Failed attempts to reach Redis, the search engine, Kafka or the pagers; the batch waits and retries.',
        [promql(rate('vigil_sink_errors_total', 'sink'), '{{sink}}')],
        'ops',
      ),
      timeseries(
        'Signals and commands',
        'Signals raised by type, and commands published by action.',
        [
          promql(rate('vigil_signals_total', 'type'), '{{type}}'),
          { ...promql(rate('vigil_commands_total', 'action'), 'command: {{action}}'), refId: 'B' },
        ],
        'ops',
      ),
      timeseries(
        'Alerts to on-call',
        'Pages sent or grouped into an open page, by destination.',
        [promql(rate('vigil_alerts_total', 'destination, outcome'), '{{destination}} {{outcome}}')],
        'ops',
      ),
      timeseries(
        'Processor CPU and memory',
        'CPU cores used, and resident memory, per processor.',
        [
          promql(`rate(vigil_process_cpu_seconds_total${on}[$__rate_interval])`, 'cpu {{instance}}'),
          { ...promql(`vigil_process_resident_memory_bytes${on} / 2^30`, 'GiB {{instance}}'), refId: 'B' },
        ],
        'short',
      ),
    ],
    {
      templating: {
        list: [
          {
            name: 'instance',
            label: 'Processor',
            type: 'query',
            datasource: prometheus,
            query: { query: 'label_values(vigil_ready, instance)', refId: 'instances' },
            refresh: 2,
            includeAll: true,
            multi: true,
            allValue: '.*',
            current: { text: 'All', value: '$__all' },
          },
        ],
      },
    },
  );
}
