/**
 * Remembers `compute`'s result for up to `max` keys. Users sign in again and again from the same few
 * addresses (home, office, VPN egress), so a small table spares most lookups; when full it starts
 * over, which costs one lookup per address instead of bookkeeping on every hit.
 */
export function memoize<V>(compute: (key: string) => V, max = 65_536) {
  const known = new Map<string, V>();
  return {
    get(key: string): V {
      if (known.has(key)) return known.get(key)!;
      if (known.size >= max) known.clear();
      const value = compute(key);
      known.set(key, value);
      return value;
    },
    clear: () => known.clear(),
  };
}
