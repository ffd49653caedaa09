import type { Cluster, Redis } from 'ioredis';
import {
  groupEntriesByGroup,
  keptGroupEntries,
  type GroupAllowlist,
  type GroupEntry,
} from '../group-allowlist.ts';
import type { AllowEntry } from '../store.ts';
import type { StateKeys } from './keys.ts';

/**
 * Group entries in Redis, read by every processor. A processor reads them again at most every
 * `refreshMs`, so an entry acts everywhere within that long of its verdict, without a round trip per
 * batch.
 */
export class RedisGroupAllowlist implements GroupAllowlist {
  readonly #client: Redis | Cluster;
  readonly #key: string;
  readonly #refreshMs: number;
  #cached: { readonly atMs: number; readonly entries: readonly GroupEntry[] } | undefined;

  constructor(client: Redis | Cluster, keys: StateKeys, refreshMs = 5000) {
    this.#client = client;
    this.#key = keys.groupAllowlist();
    this.#refreshMs = refreshMs;
  }

  async add(group: string, entry: AllowEntry): Promise<void> {
    const added = { group, ...entry };
    const held = await this.#read();
    const keptIds = new Set(keptGroupEntries(held, added, Date.now()).map((e) => e.id));
    const gone = held.filter((e) => !keptIds.has(e.id)).map((e) => e.id);
    const write = this.#client.multi().hset(this.#key, entry.id, JSON.stringify(added));
    if (gone.length) write.hdel(this.#key, ...gone);
    await write.exec();
    this.#cached = undefined;
  }

  async entriesOf(groups: readonly string[]) {
    if (!this.#cached || Date.now() - this.#cached.atMs > this.#refreshMs)
      this.#cached = { atMs: Date.now(), entries: await this.#read() };
    return groupEntriesByGroup(this.#cached.entries, groups);
  }

  all(): Promise<readonly GroupEntry[]> {
    return this.#read();
  }

  async #read(): Promise<GroupEntry[]> {
    const fields = await this.#client.hgetall(this.#key);
    return Object.values(fields).map((text) => JSON.parse(text) as GroupEntry);
  }
}
