import type { Cluster, Redis } from 'ioredis';
import type { StateKeys } from '../../state/redis/keys.ts';
import type { Alert } from './alert.ts';

export type PageTurn = 'first' | 'redelivery' | 'repeat';

/**
 * Remembers which decision opened each user's page episode, for destinations that do not group on
 * their own (the webhook). One `SET NX GET` per alert: the first decision claims the episode; the same
 * decision again (a batch redone after a crash) may send again, so nothing is lost; any other
 * decision within the episode is a repeat and stays quiet.
 */
export class PageLedger {
  readonly #redis: Redis | Cluster;
  readonly #keys: StateKeys;
  readonly #episodeMs: number;

  constructor(redis: Redis | Cluster, keys: StateKeys, episodeMs: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#episodeMs = episodeMs;
  }

  async turn(alert: Alert): Promise<PageTurn> {
    const { user, signal, action } = alert.labels;
    const decision = alert.annotations.decision_id!;
    const key = this.#keys.page(user!, signal!, action!);
    const holder = await this.#redis.set(key, decision, 'PX', this.#episodeMs, 'NX', 'GET');
    if (holder === null) return 'first';
    return holder === decision ? 'redelivery' : 'repeat';
  }
}
