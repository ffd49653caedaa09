import type { Cluster, Redis } from 'ioredis';
import type { StateKeys } from '../state/redis/keys.ts';
import type { GroupAllowlist } from '../state/group-allowlist.ts';
import type { AllowEntry } from '../state/store.ts';
import { allowlistOf, type UserRecord } from '../state/user-state.ts';

export interface ListedEntry extends AllowEntry {
  /** The user it covers; for a group entry, the user whose verdict created it. */
  readonly user: string;
  readonly group?: string;
}

/**
 * Every allowlist entry still acting at `nowMs`, read from the users' records in Redis (every master of
 * a cluster), soonest to end first. Entries live in their users' records, so listing them is a scan.
 */
export async function listAllowlist(
  client: Redis | Cluster,
  keys: StateKeys,
  nowMs: number,
): Promise<ListedEntry[]> {
  const nodes =
    'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client as Redis];
  const pattern = keys.userPattern();
  const found: ListedEntry[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      const records = await Promise.all(batch.map((key) => node.hget(key, 's')));
      batch.forEach((key, i) => {
        const text = records[i];
        if (!text) return;
        const user = key.slice(key.indexOf('{u:') + 3, key.lastIndexOf('}:state'));
        for (const entry of allowlistOf(JSON.parse(text) as Pick<UserRecord, 'allow'>, nowMs))
          found.push({ user, ...entry });
      });
    } while (cursor !== '0');
  }
  return found.sort((a, b) => a.expiresMs - b.expiresMs || a.user.localeCompare(b.user));
}

/** Group entries still acting at `nowMs`, listed as the users' own are. */
export async function listGroupAllowlist(groups: GroupAllowlist, nowMs: number): Promise<ListedEntry[]> {
  return (await groups.all())
    .filter((entry) => entry.expiresMs > nowMs)
    .map((entry) => ({ user: '', ...entry }));
}

/** One line per entry: who it covers, what, whose, why, and when it ends. */
export function renderAllowlist(entries: readonly ListedEntry[], nowMs: number): string {
  if (entries.length === 0) return 'no active allowlist entries\n';
  const rows = entries.map((entry) => [
    entry.group ? `group ${entry.group}` : entry.user,
    entry.group ? 'group' : entry.network ? `network ${entry.network}` : 'user',
    entry.signals.length ? entry.signals.join(',') : 'all signals',
    entry.owner,
    new Date(entry.expiresMs).toISOString(),
    `${Math.ceil((entry.expiresMs - nowMs) / 86_400_000)} d`,
    entry.reason,
  ]);
  const header = ['covers', 'scope', 'quiets', 'owner', 'ends', 'left', 'reason'];
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  const users = new Set(entries.filter((entry) => !entry.group).map((entry) => entry.user)).size;
  const groups = new Set(entries.flatMap((entry) => entry.group ?? [])).size;
  const soon = entries.filter((entry) => entry.expiresMs - nowMs < 7 * 86_400_000).length;
  return [
    line(header),
    ...rows.map(line),
    '',
    `${entries.length} entries, ${users} users covered${groups ? ` and ${groups} groups` : ''}, ${soon} ending within 7 days`,
    '',
  ].join('\n');
}
