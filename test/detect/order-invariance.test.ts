import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ipv6Prefix64 } from '../../src/enrich/addresses.ts';
import type { SignalRecord } from '../../src/pipeline/engine.ts';
import { MemoryStateStore } from '../../src/state/memory/store.ts';
import {
  disorderedBy,
  EAGER,
  engineOn,
  HISTORY,
  limitsFor,
  ordinaryStream,
  runStream,
  type RawEvent,
} from '../state/generated-streams.ts';

/**
 * Every detector judges the same events the same way in any arrival order within the disorder Vigil
 * tolerates (two minutes): a user flagged for a signal in time order is flagged for it shuffled, and
 * no other (a spray is the address's). Which event of a burst carries the signal may differ; whether
 * the burst is found may not.
 * The baseline rule of bulk download is a running mean of what each export saw, so it is left out here.
 */
const settings = { ...EAGER, bulk: { ...EAGER.bulk, baselineMinSamples: 1_000_000 } };

async function flagged(events: readonly RawEvent[], sizes: readonly number[]): Promise<string[]> {
  const engine = engineOn(new MemoryStateStore(limitsFor(settings)), settings);
  const outcomes = await runStream(engine, [...HISTORY, ...events], sizes);
  const found = new Set(
    outcomes.flatMap((o) => ('signals' in o ? o.signals.map((s) => `${subjectOf(s)} ${s.type}`) : [])),
  );
  return [...found].sort();
}

/** A spray belongs to its address, not to whichever user's failure completed it. */
function subjectOf(signal: SignalRecord): string {
  if (signal.type !== 'password_spray') return signal.user_id;
  const ip = String(signal.evidence.ip);
  return signal.evidence.scope === 'prefix64' ? ipv6Prefix64(ip)! : ip;
}

const byTime = (events: readonly RawEvent[]) =>
  [...events].sort((a, b) => Date.parse(String(a.occurred_at)) - Date.parse(String(b.occurred_at)));

test('every signal is found in any arrival order within two minutes', async () => {
  await fc.assert(
    fc.asyncProperty(
      ordinaryStream.chain((events) => disorderedBy(events, 120_000).map((shuffled) => [events, shuffled])),
      fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
      async ([events, shuffled], sizes) => {
        assert.deepEqual(await flagged(shuffled!, sizes), await flagged(byTime(events!), sizes));
      },
    ),
    { numRuns: 200 },
  );
});
