import { GRAFANA_DATASOURCES, securityOverview } from '../../src/dashboards/grafana.ts';
import { kibanaSavedObjects } from '../../src/dashboards/kibana.ts';

export interface DashboardQuery {
  /** Which dashboard and panel asks. */
  readonly where: string;
  readonly index: string;
  /** Lucene query-string syntax, as both Grafana and the search engine read it. */
  readonly query: string;
  readonly fields: readonly string[];
}

const INDEX_OF_DATASOURCE: Record<string, string> = {
  [GRAFANA_DATASOURCES.events.uid]: 'events',
  [GRAFANA_DATASOURCES.signals.uid]: 'signals',
  [GRAFANA_DATASOURCES.decisions.uid]: 'decisions',
  [GRAFANA_DATASOURCES.allowlist.uid]: 'allowlist',
};

interface SearchTarget {
  query: string;
  metrics: { field?: string }[];
  bucketAggs: { field?: string }[];
}

/** Every search the dashboards run, with the fields they aggregate on or show, for an index prefix. */
export function dashboardQueries(prefix: string): DashboardQuery[] {
  return [...grafanaQueries(prefix), ...kibanaQueries(prefix)];
}

function grafanaQueries(prefix: string): DashboardQuery[] {
  return securityOverview().panels.flatMap((panel) => {
    const kind = INDEX_OF_DATASOURCE[panel.datasource.uid]!;
    const shown = (panel.transformations?.[0] as { options?: { includeByName?: object } } | undefined)
      ?.options?.includeByName;
    return (panel.targets as SearchTarget[]).map((target) => ({
      where: `Grafana "${panel.title}"`,
      index: `${prefix}-${kind}-*`,
      query: target.query,
      fields: [
        ...[...target.metrics, ...target.bucketAggs].flatMap((agg) => (agg.field ? [agg.field] : [])),
        ...Object.keys(shown ?? {}),
      ],
    }));
  });
}

interface KibanaSearchSource {
  query: { query: string };
}
interface LensColumn {
  sourceField?: string;
}
interface MapLayer {
  sourceDescriptor: { type: string; geoField?: string; tooltipProperties?: string[] };
  query?: { query: string };
}

/** Every search the Kibana objects run: saved searches, Lens layers and map layers. */
export function kibanaQueries(prefix: string): DashboardQuery[] {
  const objects = kibanaSavedObjects(prefix);
  const titleOf = new Map(objects.map((object) => [object.id, object.attributes.title as string]));
  const indexOf = (id: string) => titleOf.get(id)!;
  return objects.flatMap((object): DashboardQuery[] => {
    const { attributes, references } = object;
    const where = `Kibana ${object.type} "${String(attributes.title)}"`;
    const index = indexOf(references[0]?.id ?? '');
    switch (object.type) {
      case 'search': {
        const source = JSON.parse(
          (attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
        ) as KibanaSearchSource;
        return [{ where, index, query: source.query.query || '*', fields: attributes.columns as string[] }];
      }
      case 'lens': {
        const state = attributes.state as {
          query: { query: string };
          datasourceStates: {
            formBased: { layers: Record<string, { columns: Record<string, LensColumn> }> };
          };
        };
        const columns = Object.values(state.datasourceStates.formBased.layers).flatMap((layer) =>
          Object.values(layer.columns),
        );
        const fields = columns.flatMap((column) =>
          column.sourceField && column.sourceField !== '___records___' ? [column.sourceField] : [],
        );
        return [{ where, index, query: state.query.query || '*', fields }];
      }
      case 'map': {
        const layers = (JSON.parse(attributes.layerListJSON as string) as MapLayer[]).filter(
          (layer) => layer.sourceDescriptor.type === 'ES_SEARCH',
        );
        return layers.map((layer) => ({
          where,
          index,
          query: layer.query?.query || '*',
          fields: [layer.sourceDescriptor.geoField!, ...(layer.sourceDescriptor.tooltipProperties ?? [])],
        }));
      }
      case 'index-pattern':
        return [
          {
            where,
            index: attributes.title as string,
            query: '*',
            fields: [attributes.timeFieldName as string],
          },
        ];
      default:
        return [];
    }
  });
}
