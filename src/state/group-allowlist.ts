import type { AllowEntry } from './store.ts';

/**
 * Allowlist entries of group scope: the only allowlist state shared across users, since a group's users
 * are spread over every processor. Kept apart from the per-user records, small and bounded. Entries
 * are added by id (adding one twice changes nothing) and judged by the caller at each event's time.
 */
export interface GroupAllowlist {
  add(group: string, entry: AllowEntry): Promise<void>;
  /** Every entry of these groups, expired or not. */
  entriesOf(groups: readonly string[]): Promise<ReadonlyMap<string, readonly AllowEntry[]>>;
  /** Every entry, for listing. */
  all(): Promise<readonly GroupEntry[]>;
}

export interface GroupEntry extends AllowEntry {
  readonly group: string;
}

/** More than any team keeps: past it, the entries that end soonest go first. */
export const MAX_GROUP_ENTRIES = 1000;

/** The entries to keep once `added` joins them: those still acting at its verdict, the latest-ending. */
export function keptGroupEntries(entries: readonly GroupEntry[], added: GroupEntry, atMs: number) {
  const others = entries.filter((entry) => entry.id !== added.id && entry.expiresMs > atMs);
  return [...others, added]
    .sort((a, b) => b.expiresMs - a.expiresMs || a.id.localeCompare(b.id))
    .slice(0, MAX_GROUP_ENTRIES);
}

export function groupEntriesByGroup(entries: readonly GroupEntry[], groups: readonly string[]) {
  const wanted = new Set(groups);
  const byGroup = new Map<string, AllowEntry[]>();
  for (const { group, ...entry } of entries)
    if (wanted.has(group)) byGroup.set(group, [...(byGroup.get(group) ?? []), entry]);
  return byGroup;
}

/** In process, for `replay`. */
export class MemoryGroupAllowlist implements GroupAllowlist {
  #entries: GroupEntry[] = [];

  async add(group: string, entry: AllowEntry): Promise<void> {
    this.#entries = keptGroupEntries(this.#entries, { group, ...entry }, -Infinity);
  }

  async entriesOf(groups: readonly string[]) {
    return groupEntriesByGroup(this.#entries, groups);
  }

  async all(): Promise<readonly GroupEntry[]> {
    return this.#entries;
  }
}
