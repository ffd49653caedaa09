import { relative } from 'node:path';
import {
  haServices,
  removeStackSettings,
  stackDown,
  stackExports,
  stackServices,
  stackStatus,
  stackUp,
  STACK_SETTINGS_FILE,
  writeStackSettings,
} from './stack.ts';

const usage = 'usage: node test/harness/stack-cli.ts up|down|status [service…]';
const [command, ...names] = process.argv.slice(2);
const always = stackServices();
// The production-shaped stack starts only when named (or when a fault test asks for it), but `down`
// stops it and `status` reports it.
const onDemand = Object.values(haServices());
const all = [...always, ...onDemand];
const named = all.filter((service) => names.includes(service.name));
const log = (line: string) => console.log(line);
const settingsFile = relative(process.cwd(), STACK_SETTINGS_FILE);

try {
  switch (command) {
    case 'up': {
      const started = Date.now();
      await stackUp(names.length ? named : always, log);
      if (!names.length) {
        writeStackSettings();
        log(`vigil commands read their settings from ${settingsFile} (variables set win)`);
      }
      log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      break;
    }
    case 'down':
      await stackDown(names.length ? named : all, log);
      if (!names.length) removeStackSettings();
      break;
    case 'status': {
      const status = await stackStatus(names.length ? named : all);
      const optional = new Set(names.length ? [] : onDemand.map((service) => service.name));
      for (const s of status) {
        const state = s.healthy ? 'up' : optional.has(s.name) ? 'down (on demand)' : 'down';
        log(`${s.name.padEnd(14)} ${state.padEnd(4)} ${s.endpoint}`);
      }
      const exports = stackExports();
      log('');
      if (exports) {
        log(`# vigil commands read these from ${settingsFile}; to use them elsewhere:`);
        for (const line of exports) log(line);
      } else log(`# no ${settingsFile}: npm run stack:up writes it`);
      process.exitCode = status.every((s) => s.healthy || optional.has(s.name)) ? 0 : 1;
      break;
    }
    default:
      console.error(usage);
      process.exitCode = 2;
  }
} catch (error) {
  console.error(`stack ${command}: ${(error as Error).message}`);
  process.exitCode = 1;
}
