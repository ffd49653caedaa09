import { ALLOWLIST_ACTIVE_QUERY, ALLOWLIST_ENDING_QUERY } from './allowlist-queries.ts';
import { KIBANA_IDS } from './links.ts';

/**
 * Kibana saved objects for Vigil's indices, as data: data views, saved searches, Lens charts, a map,
 * the overview dashboard and the per-user investigation dashboard. Exported as NDJSON for the
 * saved-objects import API (`vigil setup --kibana URL`). Objects reference each other by id, so a
 * re-import overwrites instead of duplicating.
 */

type Kind = 'events' | 'signals' | 'decisions' | 'allowlist';

export interface SavedObject {
  readonly type: string;
  readonly id: string;
  readonly attributes: Record<string, unknown>;
  readonly references: readonly { name: string; type: string; id: string }[];
  readonly coreMigrationVersion: string;
  readonly typeMigrationVersion: string;
}

// Objects declare the versions their shape was written for, so Kibana 8.9+ and 9 migrate nothing.
const CORE_VERSION = '8.8.0';
const TYPE_VERSIONS: Record<string, string> = {
  'index-pattern': '8.0.0',
  search: '8.0.0',
  lens: '8.9.0',
  map: '8.4.0',
  dashboard: '8.9.0',
};

const object = (
  type: string,
  id: string,
  attributes: Record<string, unknown>,
  references: SavedObject['references'] = [],
): SavedObject => ({
  type,
  id,
  attributes,
  references,
  coreMigrationVersion: CORE_VERSION,
  typeMigrationVersion: TYPE_VERSIONS[type]!,
});

const dataViewId = (kind: Kind) => `vigil-${kind}`;
const kql = (query: string) => ({ query, language: 'kuery' });
/** Lucene where a query needs date math in a range (`[now TO now+7d]`), which Grafana reads as well. */
const lucene = (query: string) => ({ query, language: 'lucene' });
type Query = ReturnType<typeof kql> | ReturnType<typeof lucene>;
const queryOf = (query: string | Query) => (typeof query === 'string' ? kql(query) : query);

export const SIGN_IN_QUERY = 'event.category:authentication AND event.outcome:success';
const MAP_TOOLTIP = [
  'user.id',
  'source.ip',
  'source.geo.city_name',
  'source.geo.country_iso_code',
  'vigil.device',
];
const TRAVEL_COLUMNS = [
  'user.id',
  'message',
  'vigil.evidence.from.city',
  'vigil.evidence.from.country',
  'vigil.evidence.to.city',
  'vigil.evidence.to.country',
  'vigil.evidence.distanceKm',
  'vigil.evidence.speedKmh',
  'vigil.signal.severity',
];
/** Scraping and exploration: the rate against the user's usual one, the first accesses in a window. */
const ACCESS_ANOMALY_COLUMNS = [
  'user.id',
  'vigil.signal.type',
  'message',
  'vigil.evidence.requests',
  'vigil.evidence.usualRequestsPerHour',
  'vigil.evidence.newResources',
  'vigil.evidence.knownResources',
  'vigil.evidence.resource',
];
const SIGNAL_COLUMNS = ['user.id', 'vigil.signal.type', 'vigil.signal.severity', 'message', 'source.ip'];
const DECISION_COLUMNS = [
  'user.id',
  'vigil.decision.action',
  'event.risk_score',
  'vigil.signals',
  'vigil.verdict.status',
  'message',
];
/** A case: the decision, the analyst's verdict on it, who gave it, why and when. */
const CASE_COLUMNS = [
  'user.id',
  'vigil.decision.action',
  'vigil.signals',
  'vigil.verdict.status',
  'vigil.verdict.analyst',
  'vigil.verdict.reason',
  'vigil.verdict.at',
];
const ALLOWLIST_COLUMNS = [
  'user.id',
  'vigil.allowlist.scope',
  'vigil.allowlist.signals',
  'vigil.allowlist.owner',
  'vigil.allowlist.expires_at',
  'message',
];

const EVENT_COLUMNS = [
  'event.action',
  'event.outcome',
  'source.ip',
  'source.geo.city_name',
  'source.geo.country_iso_code',
  'vigil.device',
  'vigil.resource',
  'vigil.records',
];

function dataView(prefix: string, kind: Kind, name: string): SavedObject {
  return object('index-pattern', dataViewId(kind), {
    title: `${prefix}-${kind}-*`,
    name,
    timeFieldName: '@timestamp',
  });
}

/** A Discover session: a table of documents with chosen columns, newest first. */
function savedSearch(
  id: string,
  title: string,
  kind: Kind,
  query: string | Query,
  columns: readonly string[],
  sort: readonly [field: string, order: 'asc' | 'desc'] = ['@timestamp', 'desc'],
) {
  return object(
    'search',
    id,
    {
      title,
      description: '',
      columns,
      sort: [sort],
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          query: queryOf(query),
          filter: [],
          indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
        }),
      },
    },
    [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: dataViewId(kind) }],
  );
}

// ---- Lens columns ----
const LAYER = 'layer1';
const countColumn = {
  label: 'Count',
  dataType: 'number',
  operationType: 'count',
  isBucketed: false,
  scale: 'ratio',
  sourceField: '___records___',
  params: { emptyAsNull: true },
};
const overTime = {
  label: '@timestamp',
  dataType: 'date',
  operationType: 'date_histogram',
  sourceField: '@timestamp',
  isBucketed: true,
  scale: 'interval',
  params: { interval: 'auto', includeEmptyRows: true },
};
const topValues = (field: string, orderBy: string, size = 10) => ({
  label: `Top values of ${field}`,
  dataType: 'string',
  operationType: 'terms',
  sourceField: field,
  isBucketed: true,
  scale: 'ordinal',
  params: {
    size,
    orderBy: { type: 'column', columnId: orderBy },
    orderDirection: 'desc',
    otherBucket: false,
    missingBucket: false,
  },
});
const maxOf = (field: string, label: string) => ({
  label,
  dataType: 'number',
  operationType: 'max',
  sourceField: field,
  isBucketed: false,
  scale: 'ratio',
  params: { emptyAsNull: true },
  customLabel: true,
});

function lens(
  id: string,
  title: string,
  kind: Kind,
  visualizationType: 'lnsXY' | 'lnsMetric' | 'lnsDatatable',
  columns: Record<string, object>,
  visualization: object,
  query: string | Query = '',
) {
  return object(
    'lens',
    id,
    {
      title,
      description: '',
      visualizationType,
      state: {
        datasourceStates: {
          formBased: {
            layers: { [LAYER]: { columns, columnOrder: Object.keys(columns), incompleteColumns: {} } },
          },
        },
        visualization,
        query: queryOf(query),
        filters: [],
        internalReferences: [],
        adHocDataViews: {},
      },
    },
    [{ name: `indexpattern-datasource-layer-${LAYER}`, type: 'index-pattern', id: dataViewId(kind) }],
  );
}

const stackedBars = (split: string) => ({
  legend: { isVisible: true, position: 'right' },
  preferredSeriesType: 'bar_stacked',
  valueLabels: 'hide',
  layers: [
    {
      layerId: LAYER,
      layerType: 'data',
      seriesType: 'bar_stacked',
      xAccessor: 'time',
      splitAccessor: split,
      accessors: ['count'],
    },
  ],
});

/** A count over time, one colour per value of a keyword field. */
const countOverTimeBy = (id: string, title: string, kind: Kind, field: string, query = '') =>
  lens(
    id,
    title,
    kind,
    'lnsXY',
    { split: topValues(field, 'count'), time: overTime, count: countColumn },
    stackedBars('split'),
    query,
  );

const metric = (
  id: string,
  title: string,
  kind: Kind,
  query: string | Query,
  measure: object = countColumn,
) =>
  lens(
    id,
    title,
    kind,
    'lnsMetric',
    { count: { ...measure, label: title, customLabel: true } },
    { layerId: LAYER, layerType: 'data', metricAccessor: 'count' },
    query,
  );

const uniqueCount = (field: string) => ({
  label: `Unique count of ${field}`,
  dataType: 'number',
  operationType: 'unique_count',
  sourceField: field,
  isBucketed: false,
  scale: 'ratio',
  params: { emptyAsNull: true },
});

const topTable = (id: string, title: string, kind: Kind, field: string, rankBy: object) =>
  lens(
    id,
    title,
    kind,
    'lnsDatatable',
    { term: topValues(field, 'rank', 20), rank: rankBy },
    { layerId: LAYER, layerType: 'data', columns: [{ columnId: 'term' }, { columnId: 'rank' }] },
  );

/** Kibana Maps: one documents layer of successful sign-ins on the default base map. */
function signInMap(id: string, title: string): SavedObject {
  const layers = [
    {
      id: 'basemap',
      type: 'EMS_VECTOR_TILE',
      sourceDescriptor: { type: 'EMS_TMS', isAutoSelect: true, lightModeDefault: 'road_map_desaturated' },
      style: { type: 'EMS_VECTOR_TILE' },
      visible: true,
      alpha: 1,
      minZoom: 0,
      maxZoom: 24,
      label: null,
      includeInFitToBounds: true,
    },
    {
      id: 'sign-ins',
      type: 'MVT_VECTOR',
      label: 'Sign-ins',
      sourceDescriptor: {
        type: 'ES_SEARCH',
        id: 'sign-ins-source',
        geoField: 'source.geo.location',
        scalingType: 'MVT',
        tooltipProperties: MAP_TOOLTIP,
        sortField: '',
        sortOrder: 'desc',
        topHitsSplitField: '',
        topHitsSize: 1,
        applyGlobalQuery: true,
        applyGlobalTime: true,
        applyForceRefresh: true,
        filterByMapBounds: true,
        indexPatternRefName: 'layer_1_source_index_pattern',
      },
      query: kql(SIGN_IN_QUERY),
      style: {
        type: 'VECTOR',
        properties: {
          fillColor: { type: 'STATIC', options: { color: '#6092C0' } },
          lineColor: { type: 'STATIC', options: { color: '#FFFFFF' } },
          lineWidth: { type: 'STATIC', options: { size: 1 } },
          iconSize: { type: 'STATIC', options: { size: 6 } },
        },
        isTimeAware: true,
      },
      visible: true,
      alpha: 0.75,
      minZoom: 0,
      maxZoom: 24,
      includeInFitToBounds: true,
      joins: [],
    },
  ];
  return object(
    'map',
    id,
    {
      title,
      description: 'Successful sign-ins by place: GeoIP, or the emitter’s own coordinates.',
      layerListJSON: JSON.stringify(layers),
      mapStateJSON: JSON.stringify({
        zoom: 1.4,
        center: { lon: 0, lat: 20 },
        timeFilters: { from: 'now-7d', to: 'now' },
        refreshConfig: { isPaused: true, interval: 0 },
        query: kql(''),
        filters: [],
        settings: { autoFitToDataBounds: false },
      }),
      uiStateJSON: JSON.stringify({ isLayerTOCOpen: true, openTOCDetails: [] }),
    },
    [{ name: 'layer_1_source_index_pattern', type: 'index-pattern', id: dataViewId('events') }],
  );
}

interface Panel {
  readonly object: SavedObject;
  readonly w: number;
  readonly h: number;
  /** The panel's own time range, instead of the dashboard's. */
  readonly timeRange?: { readonly from: string; readonly to: string };
}

/**
 * An allowlist entry lasts at most a year (`MAX_ALLOW_DAYS`): its panels look a year back from the
 * verdict, and pick the entries still acting by their end.
 */
const ALLOWLIST_TIME_RANGE = { from: 'now-1y', to: 'now' };

/** Panels left to right in Kibana's 48-column grid, each referring to its saved object. */
function dashboard(id: string, title: string, description: string, panels: readonly Panel[]): SavedObject {
  let [x, y, rowHeight] = [0, 0, 0];
  const panelsJSON = panels.map(({ object: panel, w, h, timeRange }, i) => {
    if (x + w > 48) [x, y, rowHeight] = [0, y + rowHeight, 0];
    const gridData = { x, y, w, h, i: String(i + 1) };
    [x, rowHeight] = [x + w, Math.max(rowHeight, h)];
    return {
      type: panel.type,
      panelIndex: String(i + 1),
      gridData,
      embeddableConfig: timeRange ? { timeRange } : {},
      panelRefName: `panel_${i + 1}`,
    };
  });
  return object(
    'dashboard',
    id,
    {
      title,
      description,
      panelsJSON: JSON.stringify(panelsJSON),
      optionsJSON: JSON.stringify({
        useMargins: true,
        syncColors: true,
        syncCursor: true,
        syncTooltips: false,
        hidePanelTitles: false,
      }),
      timeRestore: true,
      timeFrom: 'now-7d',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 60_000 },
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: kql(''), filter: [] }) },
    },
    panels.map(({ object: panel }, i) => ({
      name: `${i + 1}:panel_${i + 1}`,
      type: panel.type,
      id: panel.id,
    })),
  );
}

/** Every saved object, data views first, so an import resolves each reference it meets. */
export function kibanaSavedObjects(prefix: string): SavedObject[] {
  const views = [
    dataView(prefix, 'events', 'Vigil events'),
    dataView(prefix, 'signals', 'Vigil signals'),
    dataView(prefix, 'decisions', 'Vigil decisions'),
    dataView(prefix, 'allowlist', 'Vigil allowlist entries'),
  ];
  const riskOfDecisions = maxOf('event.risk_score', 'Highest risk');
  const overview = [
    {
      object: metric(
        'vigil-revocations',
        'Sessions revoked',
        'decisions',
        'vigil.decision.action:revoke_sessions',
      ),
      w: 12,
      h: 8,
    },
    {
      object: metric('vigil-step-ups', 'Step-ups required', 'decisions', 'vigil.decision.action:step_up'),
      w: 12,
      h: 8,
    },
    { object: metric('vigil-signal-count', 'Signals', 'signals', ''), w: 12, h: 8 },
    {
      object: metric(
        'vigil-failed-sign-ins',
        'Failed sign-ins',
        'events',
        'event.category:authentication AND event.outcome:failure',
      ),
      w: 12,
      h: 8,
    },
    {
      object: countOverTimeBy(
        'vigil-alerts-over-time',
        'Alerts over time, by signal',
        'signals',
        'vigil.signal.type',
      ),
      w: 24,
      h: 15,
    },
    {
      object: countOverTimeBy(
        'vigil-decisions-over-time',
        'Decisions over time, by action',
        'decisions',
        'vigil.decision.action',
      ),
      w: 24,
      h: 15,
    },
    { object: signInMap('vigil-sign-in-map', 'Sign-in locations'), w: 24, h: 20 },
    {
      object: topTable('vigil-riskiest-users', 'Riskiest users', 'decisions', 'user.id', riskOfDecisions),
      w: 24,
      h: 20,
    },
    {
      object: savedSearch(
        'vigil-impossible-travel',
        'Impossible travel, with evidence',
        'signals',
        'vigil.signal.type:impossible_travel',
        TRAVEL_COLUMNS,
      ),
      w: 48,
      h: 15,
    },
    {
      object: savedSearch(
        'vigil-access-anomalies',
        'Unusual request rates and resource exploration, with evidence',
        'signals',
        'vigil.signal.type:(unusual_request_rate OR resource_exploration)',
        ACCESS_ANOMALY_COLUMNS,
      ),
      w: 48,
      h: 15,
    },
    // The allowlist's exposure: what analysts' benign verdicts currently keep quiet.
    {
      object: metric(
        'vigil-allowlist-active',
        'Allowlist entries active',
        'allowlist',
        lucene(ALLOWLIST_ACTIVE_QUERY),
      ),
      w: 12,
      h: 8,
      timeRange: ALLOWLIST_TIME_RANGE,
    },
    {
      object: metric(
        'vigil-allowlist-users',
        'Users covered by the allowlist',
        'allowlist',
        lucene(ALLOWLIST_ACTIVE_QUERY),
        uniqueCount('user.id'),
      ),
      w: 12,
      h: 8,
      timeRange: ALLOWLIST_TIME_RANGE,
    },
    {
      object: metric(
        'vigil-allowlist-ending',
        'Allowlist entries ending within 7 days',
        'allowlist',
        lucene(ALLOWLIST_ENDING_QUERY),
      ),
      w: 12,
      h: 8,
      timeRange: ALLOWLIST_TIME_RANGE,
    },
    {
      object: metric(
        'vigil-cases-judged',
        'Decisions judged by an analyst',
        'decisions',
        'vigil.verdict.status:*',
      ),
      w: 12,
      h: 8,
    },
    {
      object: savedSearch(
        'vigil-allowlist-entries',
        'Active allowlist entries, soonest to end first',
        'allowlist',
        lucene(ALLOWLIST_ACTIVE_QUERY),
        ALLOWLIST_COLUMNS,
        ['vigil.allowlist.expires_at', 'asc'],
      ),
      w: 24,
      h: 15,
      timeRange: ALLOWLIST_TIME_RANGE,
    },
    {
      object: savedSearch(
        'vigil-cases',
        'Cases: decisions and their verdicts',
        'decisions',
        'vigil.verdict.status:*',
        CASE_COLUMNS,
      ),
      w: 24,
      h: 15,
    },
  ];
  // Opened with `user.id:"…"` in the query bar (alerts link here that way), every panel shows one user.
  const investigation = [
    {
      object: savedSearch('vigil-user-decisions', 'Decisions', 'decisions', '', DECISION_COLUMNS),
      w: 24,
      h: 14,
    },
    {
      object: savedSearch('vigil-user-signals', 'Signals, with evidence', 'signals', '', SIGNAL_COLUMNS),
      w: 24,
      h: 14,
    },
    {
      object: countOverTimeBy('vigil-user-activity', 'Activity, by action', 'events', 'event.action'),
      w: 24,
      h: 14,
    },
    {
      object: topTable('vigil-user-devices', 'Devices', 'events', 'vigil.device', {
        ...countColumn,
        label: 'Events',
        customLabel: true,
      }),
      w: 12,
      h: 14,
    },
    {
      object: topTable('vigil-user-countries', 'Countries', 'events', 'source.geo.country_iso_code', {
        ...countColumn,
        label: 'Events',
        customLabel: true,
      }),
      w: 12,
      h: 14,
    },
    { object: signInMap('vigil-user-sign-in-map', 'Where the user signed in'), w: 24, h: 18 },
    { object: savedSearch('vigil-user-events', 'Events', 'events', '', EVENT_COLUMNS), w: 24, h: 18 },
  ];
  const panels = [...overview, ...investigation].map(({ object: panel }) => panel);
  return [
    ...views,
    ...panels,
    dashboard(
      KIBANA_IDS.overview,
      'Vigil — overview',
      'Alerts, decisions, where users sign in, and who is most at risk.',
      overview,
    ),
    dashboard(
      KIBANA_IDS.investigation,
      'Vigil — user investigation',
      'One user’s decisions, signals with evidence, devices, places and events. Filter with user.id:"…".',
      investigation,
    ),
  ];
}
