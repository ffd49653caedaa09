import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaCluster } from './kafka-cluster.ts';
import type { RedisHaCluster } from './redis-ha.ts';
import { haServices, STACK_DIR, stackDown, stackUp } from './stack.ts';

/** Set by global-setup.ts, so a test process leaves what it starts to the run's global teardown. */
export const RUN_TEARDOWN_ENV = 'VIGIL_STACK_RUN_TEARDOWN';
/** The on-demand services test processes started during an `npm test` run, one name a line. */
const STARTED_DURING_RUN = join(STACK_DIR, 'ha-started-during-run');

export interface HaStack {
  readonly kafka: KafkaCluster;
  readonly redis: RedisHaCluster;
  /**
   * Stops what `startHaStack` started, unless `VIGIL_KEEP_STACK` is set or an `npm test` run will stop
   * it at the end: then the stack stays up for the next test file that needs it.
   */
  release(): Promise<void>;
}

/** Starts the parts of the production-shaped stack that are not running, and waits for them. */
export async function startHaStack(log = (line: string) => console.log(`# ${line}`)): Promise<HaStack> {
  const { kafka, redis } = haServices();
  const reports = await stackUp([kafka, redis], log);
  const started = reports.map((report) => report.name);
  const underRun = Boolean(process.env[RUN_TEARDOWN_ENV]);
  if (underRun && started.length)
    appendFileSync(STARTED_DURING_RUN, started.map((name) => `${name}\n`).join(''));
  return {
    kafka,
    redis,
    async release() {
      if (process.env.VIGIL_KEEP_STACK || underRun) return;
      await stackDown(
        [kafka, redis].filter((service) => started.includes(service.name)),
        log,
      );
    },
  };
}

/** For the global setup: a list left by an interrupted run names nothing this run started. */
export function forgetHaStartedDuringRun(): void {
  rmSync(STARTED_DURING_RUN, { force: true });
}

/** For the global teardown: stops the on-demand services test processes started during the run. */
export async function stopHaStartedDuringRun(
  log = (line: string) => console.log(`# ${line}`),
): Promise<void> {
  let names: string[];
  try {
    names = readFileSync(STARTED_DURING_RUN, 'utf8').split('\n').filter(Boolean);
  } catch {
    return;
  }
  rmSync(STARTED_DURING_RUN, { force: true });
  if (process.env.VIGIL_KEEP_STACK) return;
  await stackDown(
    Object.values(haServices()).filter((service) => names.includes(service.name)),
    log,
  );
}
