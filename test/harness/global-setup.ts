import { stackDown, stackServices, stackUp } from './stack.ts';

/** `npm test` starts what is not running and, at the end, stops only what it started. */
let startedHere: string[] = [];

export async function globalSetup(): Promise<void> {
  const reports = await stackUp(stackServices(), (line) => console.log(`# ${line}`));
  startedHere = reports.map((report) => report.name);
}

export async function globalTeardown(): Promise<void> {
  if (process.env.VIGIL_KEEP_STACK) return;
  await stackDown(stackServices().filter((service) => startedHere.includes(service.name)));
}
