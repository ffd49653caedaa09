import type { ParseArgsOptionsConfig } from 'node:util';

/** What a command's module exports: its entry point and the flags it accepts (none when absent). */
export interface CommandModule {
  main(args: string[]): Promise<number>;
  readonly OPTIONS?: ParseArgsOptionsConfig;
}

/** `vigil <command>`: each command lives in its own module and is loaded only when asked for. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  run: {
    summary: 'consume Kafka, detect, write to the search engine, publish signed commands',
    load: () => import('./run.ts'),
  },
  index: {
    summary: 'write the documents `run --no-index` commits into the search engine',
    load: () => import('./index-documents.ts'),
  },
  setup: {
    summary: 'create the Kafka topics and the index templates (idempotent)',
    load: () => import('./setup.ts'),
  },
  keygen: {
    summary: 'make a key pair for signing commands (Ed25519, or RS256 with --alg)',
    load: () => import('./keygen.ts'),
  },
  simulate: {
    summary: 'generate a labelled synthetic population (NDJSON or Kafka) and its ground truth',
    load: () => import('./simulate.ts'),
  },
  evaluate: {
    summary: 'score findings (replay output or the search engine) against a ground truth',
    load: () => import('./evaluate.ts'),
  },
  replay: {
    summary: 'run the engine over an NDJSON file with in-memory state',
    load: () => import('./replay.ts'),
  },
  feedback: {
    summary: "send an analyst's verdict on a decision (confirmed or benign) to the feedback topic",
    load: () => import('./feedback.ts'),
  },
  allowlist: {
    summary: 'list the allowlist entries still acting, with who, why and when they end',
    load: () => import('./allowlist.ts'),
  },
  config: {
    summary: 'validate the configuration and print it with secrets redacted',
    load: () => import('./config.ts'),
  },
  schemas: {
    summary: 'write the JSON Schemas of the input contract to a folder',
    load: () => import('./schemas.ts'),
  },
  dashboards: {
    summary: 'write the Grafana dashboards and Kibana saved objects for an index prefix',
    load: () => import('./dashboards.ts'),
  },
};
