import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './vigil-process.ts';

const RULES = new URL('../../dashboards/prometheus/vigil-rules.yml', import.meta.url).pathname;

/**
 * Runs a Debian-packaged server for the length of the test, then removes its folder; its output is
 * kept for failure messages.
 */
async function startServer(t: TestContext, command: string, args: string[], readyUrl: string, dir: string) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => {
    child.once('close', resolve);
    child.once('error', resolve); // never started: nothing to wait for
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('error', (error) => (output += `\n${error.message}`));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    if (
      await fetch(readyUrl).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await sleep(200);
  }
  throw new Error(
    `${command} did not become ready (apt-get install -y prometheus prometheus-alertmanager):\n${output}`,
  );
}

/** Prometheus scraping the given Vigil processors every second, with Vigil's shipped alert rules. */
export async function startPrometheus(t: TestContext, targets: string[], alertmanagerUrl?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
  copyFileSync(RULES, join(dir, 'vigil-rules.yml'));
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ['vigil-rules.yml'],
    scrape_configs: [{ job_name: 'vigil', static_configs: [{ targets }] }],
    ...(alertmanagerUrl && {
      alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanagerUrl).host] }] }] },
    }),
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await startServer(
    t,
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    `${url}/-/ready`,
    dir,
  );
  return {
    url,
    /** An instant query through the HTTP API; the result vector or matrix. */
    async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data: { result: [] } };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
      return body.data.result;
    },
  };
}

export interface Notification {
  readonly groupKey: string;
  readonly alerts: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

/** An HTTP receiver for pages: what Alertmanager (or Vigil's own webhook) would send a pager. */
export async function startReceiver(t: TestContext) {
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise((resolve) => {
        server.close(resolve);
        // Senders still running (Alertmanager, Vigil) hold keep-alive connections that close would await.
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, received };
}

/**
 * Alertmanager with the shipped grouping (by alertname, user and signal) but test-sized intervals:
 * a page 1 s after the first alert of a group, a changed group re-notified after 2 s, an unchanged
 * one only after an hour.
 */
export async function startAlertmanager(t: TestContext, receiverUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alertmanager-'));
  const config = {
    route: {
      receiver: 'pager',
      group_by: ['alertname', 'user', 'signal'],
      group_wait: '1s',
      group_interval: '2s',
      repeat_interval: '1h',
    },
    receivers: [{ name: 'pager', webhook_configs: [{ url: receiverUrl, send_resolved: false }] }],
  };
  writeFileSync(join(dir, 'alertmanager.yml'), JSON.stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await startServer(
    t,
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // one node, no gossip
    ],
    `${url}/-/ready`,
    dir,
  );
  return {
    url,
    async alerts(): Promise<
      { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string }[]
    > {
      return (await fetch(`${url}/api/v2/alerts`)).json() as never;
    },
  };
}
