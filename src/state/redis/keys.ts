/**
 * The only place that knows Redis key names. Every key of a user carries `{u:<id>}` and every key of an
 * address `{ip:<ip>}`: the hash tag puts an entity's keys in one slot, so each script runs on Redis Cluster.
 */
export class StateKeys {
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** Hash: the user's record (`s`), the input offsets it is as of (`t`) and their sum, its version (`v`). */
  user(user: string): string {
    return `${this.#prefix}{u:${user}}:state`;
  }

  /** A SCAN pattern that matches every user's record hash. */
  userPattern(): string {
    return `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}{u:*}:state`;
  }

  /** Hash of the first replies of failures from an address not yet released. */
  ipReplies(ip: string): string {
    return `${this.#prefix}{ip:${ip}}:replies`;
  }

  /** Sorted set of users whose sign-in failed from one address, by latest failure time. */
  ipFailedUsers(ip: string): string {
    return `${this.#prefix}{ip:${ip}}:failed-users`;
  }

  /** Hash of every group's allowlist entries, by id: few enough to read whole, and one slot on a cluster. */
  groupAllowlist(): string {
    return `${this.#prefix}{allowlist}:groups`;
  }

  /** Hash: per input (`topic/partition`), the offset the group's last complete checkpoint is as of. */
  checkpoints(group: string): string {
    return `${this.#prefix}checkpoints:{${group}}`;
  }

  /** The decision that opened the user's current page episode for a signal and action; expires with it. */
  page(user: string, signal: string, action: string): string {
    return `${this.#prefix}{u:${user}}:page:${signal}:${action}`;
  }
}
