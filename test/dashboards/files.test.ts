import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { dashboardFiles } from '../../src/dashboards/index.ts';
import type { SavedObject } from '../../src/dashboards/kibana.ts';

const DASHBOARDS = fileURLToPath(new URL('../../dashboards/', import.meta.url));
const shipped = (path: string) => readFileSync(DASHBOARDS + path, 'utf8');
const files = dashboardFiles('vigil');
const savedObjects = files['kibana/vigil.ndjson']!.trim()
  .split('\n')
  .map((line) => JSON.parse(line) as SavedObject);

test('the shipped dashboard files are the ones `npm run dashboards` writes', () => {
  for (const [path, content] of Object.entries(files))
    assert.equal(shipped(path), content, `${path} is stale: run npm run dashboards`);
});

test('every Kibana reference names an object imported before it, and ids are unique', () => {
  const seen = new Set<string>();
  for (const object of savedObjects) {
    for (const reference of object.references)
      assert.ok(
        seen.has(`${reference.type}:${reference.id}`),
        `${object.id} → ${reference.type}:${reference.id}`,
      );
    assert.ok(!seen.has(`${object.type}:${object.id}`), `${object.id} twice`);
    seen.add(`${object.type}:${object.id}`);
  }
  assert.deepEqual(
    savedObjects.filter((object) => object.type === 'dashboard').map((object) => object.id),
    ['vigil-overview', 'vigil-user-investigation'],
  );
});

test('every Kibana dashboard panel has its reference', () => {
  for (const dashboard of savedObjects.filter((object) => object.type === 'dashboard')) {
    const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as {
      panelIndex: string;
      panelRefName: string;
    }[];
    const names = new Set(dashboard.references.map((reference) => reference.name));
    for (const panel of panels) assert.ok(names.has(`${panel.panelIndex}:${panel.panelRefName}`));
    assert.equal(names.size, panels.length);
  }
});

test('the Grafana dashboards use only the provisioned datasources', () => {
  const provisioned = parse(shipped('grafana/provisioning/datasources/vigil.yml')) as {
    datasources: { uid: string; type: string }[];
  };
  const known = new Set(provisioned.datasources.map(({ uid, type }) => `${type}:${uid}`));
  const used = new Set<string>();
  for (const path of [
    'grafana/dashboards/security-overview.json',
    'grafana/dashboards/pipeline-health.json',
  ]) {
    JSON.stringify(JSON.parse(shipped(path)), (key, value: unknown) => {
      const source = value as { type?: string; uid?: string } | null;
      if (key === 'datasource' && source?.uid && !source.uid.startsWith('$'))
        used.add(`${source.type}:${source.uid}`);
      return value;
    });
  }
  assert.deepEqual([...used].sort(), [...known].sort());
});

test('Prometheus accepts the config and the alert rules pass their unit tests (promtool)', () => {
  const run = (...args: string[]) => execFileSync('promtool', args, { cwd: DASHBOARDS, encoding: 'utf8' });
  assert.match(run('check', 'config', 'prometheus/prometheus.yml'), /SUCCESS: 11 rules found/);
  assert.match(run('test', 'rules', 'prometheus/vigil-rules.test.yml'), /SUCCESS/);
});

test('Alertmanager accepts the config and routes pages to the right receivers (amtool)', () => {
  const config = 'alertmanager/alertmanager.yml';
  const amtool = (...args: string[]) =>
    execFileSync('amtool', args, {
      cwd: DASHBOARDS,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  assert.match(amtool('check-config', config), /SUCCESS/);
  const route = (...labels: string[]) =>
    amtool('config', 'routes', 'test', `--config.file=${config}`, ...labels);
  assert.equal(
    route('alertname=VigilRiskDecision', 'severity=critical', 'action=revoke_sessions'),
    'security-pager',
  );
  assert.equal(route('alertname=VigilRiskDecision', 'severity=high', 'action=step_up'), 'security-chat');
  assert.equal(route('alertname=VigilSinkFailing', 'severity=critical'), 'sre-pager');
  assert.equal(route('alertname=VigilDeadLetterRate', 'severity=warning'), 'sre-chat');
});
