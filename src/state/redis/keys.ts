/**
 * The only place that knows Redis key names. Every key of a user carries `{u:<id>}` and every key of an
 * address `{ip:<ip>}`: the hash tag puts an entity's keys in one slot, so each script runs on Redis Cluster.
 */
export class StateKeys {
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** Hash: first-seen, login count, devices, countries, bulk baseline. */
  profile(user: string): string {
    return `${this.#prefix}{u:${user}}:profile`;
  }

  /** Sorted set of successful sign-ins by event time, with their places. */
  signIns(user: string): string {
    return `${this.#prefix}{u:${user}}:sign-ins`;
  }

  /** Sorted set of failed logins and MFA challenges by event time. */
  failures(user: string): string {
    return `${this.#prefix}{u:${user}}:failures`;
  }

  /** Sorted set of exported/downloaded record counts in the bulk window. */
  records(user: string): string {
    return `${this.#prefix}{u:${user}}:records`;
  }

  /** Hash of the first replies of the user's events not yet released by the pipeline. */
  replies(user: string): string {
    return `${this.#prefix}{u:${user}}:replies`;
  }

  /** Hash of the first replies of failures from an address not yet released. */
  ipReplies(ip: string): string {
    return `${this.#prefix}{ip:${ip}}:replies`;
  }

  /** Sorted set of users whose sign-in failed from one address, by latest failure time. */
  ipFailedUsers(ip: string): string {
    return `${this.#prefix}{ip:${ip}}:failed-users`;
  }

  /** The decision that opened the user's current page episode for a signal and action; expires with it. */
  page(user: string, signal: string, action: string): string {
    return `${this.#prefix}{u:${user}}:page:${signal}:${action}`;
  }
}
