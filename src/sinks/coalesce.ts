/**
 * Turns a call that is cheaper for many items at once into one that takes one item: items that arrive
 * while a call is in flight wait and go together into the next. Under light load each item goes at
 * once; under heavy load the calls grow instead of queueing, so latency stays that of one call.
 * `flush` returns one result per item, in order; if it throws, every item in that call fails with it.
 */
export function coalesce<Item, Result>(
  flush: (items: readonly Item[]) => Promise<readonly Result[]>,
): (item: Item) => Promise<Result> {
  let waiting: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  let inFlight = false;

  async function drain(): Promise<void> {
    inFlight = true;
    while (waiting.length) {
      const group = waiting;
      waiting = [];
      try {
        const results = await flush(group.map(({ item }) => item));
        group.forEach(({ resolve }, i) => resolve(results[i]!));
      } catch (error) {
        for (const { reject } of group) reject(error);
      }
    }
    inFlight = false;
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!inFlight) void drain();
    });
}
