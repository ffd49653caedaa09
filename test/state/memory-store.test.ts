import { MemoryStateStore } from '../../src/state/memory/store.ts';
import { stateConformance } from './conformance.ts';

stateConformance('memory', async (_t, limits) => new MemoryStateStore(limits));
