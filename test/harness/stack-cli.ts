import { stackDown, stackServices, stackStatus, stackUp } from './stack.ts';

const usage = 'usage: node test/harness/stack-cli.ts up|down|status [service…]';
const [command, ...names] = process.argv.slice(2);
const all = stackServices();
const services = names.length ? all.filter((service) => names.includes(service.name)) : all;
const log = (line: string) => console.log(line);

try {
  switch (command) {
    case 'up': {
      const started = Date.now();
      await stackUp(services, log);
      log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      break;
    }
    case 'down':
      await stackDown(services, log);
      break;
    case 'status': {
      const status = await stackStatus(services);
      for (const s of status) log(`${s.name.padEnd(14)} ${s.healthy ? 'up  ' : 'down'} ${s.endpoint}`);
      process.exitCode = status.every((s) => s.healthy) ? 0 : 1;
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
