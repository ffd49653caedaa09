import type { Service } from './service.ts';
export function kafkaService(_stackDir: string, _cacheDir: string): Service {
  throw new Error('todo');
}
