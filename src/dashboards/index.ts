import { pipelineHealth, securityOverview } from './grafana.ts';
import { kibanaSavedObjects } from './kibana.ts';

export { investigationUrl, KIBANA_IDS } from './links.ts';
export { kibanaSavedObjects } from './kibana.ts';

/** Every shipped dashboard file, by its path under dashboards/, for an index prefix. */
export function dashboardFiles(indexPrefix: string): Record<string, string> {
  const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'grafana/dashboards/security-overview.json': json(securityOverview()),
    'grafana/dashboards/pipeline-health.json': json(pipelineHealth()),
    'kibana/vigil.ndjson': kibanaSavedObjects(indexPrefix)
      .map((object) => `${JSON.stringify(object)}\n`)
      .join(''),
  };
}
