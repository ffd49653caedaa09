import { forgetHaStartedDuringRun, RUN_TEARDOWN_ENV, stopHaStartedDuringRun } from './ha-stack.ts';
import { describeMissing, missingPrerequisite } from './prerequisites.ts';
import { stackDown, stackServices, stackUp, writeStackSettings } from './stack.ts';

/** `npm test` starts what is not running and, at the end, stops only what it started. */
let startedHere: string[] = [];

export async function globalSetup(): Promise<void> {
  // A missing server would otherwise surface as a few ENOENT failures among passing tests.
  const missing = missingPrerequisite();
  if (missing) {
    process.stderr.write(`npm test: ${describeMissing(missing)}\n`);
    process.exit(1);
  }
  forgetHaStartedDuringRun();
  const reports = await stackUp(stackServices(), (line) => console.log(`# ${line}`));
  startedHere = reports.map((report) => report.name);
  writeStackSettings();
  // Test files run in child processes that inherit this: the production-shaped stack a fault test
  // starts on demand then stays up for the other files that need it, and is stopped below.
  process.env[RUN_TEARDOWN_ENV] = '1';
}

export async function globalTeardown(): Promise<void> {
  await stopHaStartedDuringRun();
  if (process.env.VIGIL_KEEP_STACK) return;
  await stackDown(stackServices().filter((service) => startedHere.includes(service.name)));
}
