import type { ACCESS_ACTIONS, AUTH_TYPES } from '../events/schema.ts';
import { CITIES, HOSTILE, MOBILE, VPN_EGRESS, type City } from './places.ts';
import { Random } from './random.ts';

export const ATTACK_KINDS = [
  'account_takeover',
  'impossible_travel',
  'new_device_takeover',
  'fast_exfiltration',
  'slow_exfiltration',
  'credential_stuffing',
  'password_spray',
  'mfa_fatigue',
  'scraping',
  'resource_exploration',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

/**
 * Benign behaviour that looks like an attack to a weaker detector, and must stay quiet: a user starting
 * on a new project reaches new resources over days; an on-call engineer's reads spike during an
 * incident, on resources they know; a team's usage doubles over the weeks.
 */
export const TRAP_KINDS = ['new_project', 'incident_on_call', 'growing_team'] as const;
export type TrapKind = (typeof TRAP_KINDS)[number];

/** The signals each trap tempts a detector to raise. */
const TEMPTS: Record<TrapKind, string[]> = {
  new_project: ['resource_exploration'],
  incident_on_call: ['unusual_request_rate'],
  growing_team: ['unusual_request_rate'],
};

/** What a detector should say about each attack, and whether a policy should act on it. */
const EXPECTED: Record<AttackKind, { signals: string[]; action: boolean }> = {
  account_takeover: { signals: ['impossible_travel', 'new_country', 'new_device'], action: true },
  impossible_travel: { signals: ['impossible_travel'], action: true },
  new_device_takeover: { signals: ['new_device', 'bulk_download'], action: true },
  fast_exfiltration: { signals: ['bulk_download'], action: true },
  slow_exfiltration: { signals: ['bulk_download'], action: true },
  // One try per account from each address: the address's spread gives it away, no account's count.
  credential_stuffing: { signals: ['password_spray'], action: false },
  password_spray: { signals: ['password_spray'], action: false },
  mfa_fatigue: { signals: ['mfa_fatigue'], action: true },
  // A stolen session reading record after record of what the user may see: no export, no bulk.
  scraping: { signals: ['unusual_request_rate'], action: true },
  resource_exploration: { signals: ['resource_exploration'], action: true },
};

export interface SimulationOptions {
  readonly users: number;
  readonly days: number;
  readonly seed: number;
  readonly start: string;
  /** Attacks of each kind. */
  readonly attacksPerKind: number;
}

export type SimulatedEvent = Record<string, unknown> & {
  event_id: string;
  occurred_at: string;
  user_id: string;
};

export interface Truth {
  readonly kind: 'attack';
  readonly id: string;
  readonly type: AttackKind;
  readonly users: string[];
  readonly event_ids: string[];
  /** First and last event of the attack (ISO 8601). */
  readonly start: string;
  readonly end: string;
  readonly expected_signals: string[];
  readonly expects_action: boolean;
}

/** A benign trap: its users' findings within its span are false alerts of that kind. */
export interface Trap {
  readonly kind: 'trap';
  readonly id: string;
  readonly type: TrapKind;
  readonly users: string[];
  readonly start: string;
  readonly end: string;
  /** Signals it must not raise; others (a trip's new country) are the user's ordinary life. */
  readonly tempted_signals: string[];
}

export interface Population {
  readonly kind: 'population';
  readonly users: number;
  readonly days: number;
  readonly start: string;
  readonly seed: number;
  readonly trusted_networks: readonly string[];
}

interface User {
  readonly id: string;
  readonly home: City;
  readonly ips: readonly string[];
  readonly devices: string[];
  readonly usesVpn: boolean;
  readonly usesMobile: boolean;
  /** Resource families the user works with (`crm/contacts`), each reached with an id appended. */
  readonly resources: string[];
  /** Reads in each busy hour of a working day (0: none), and by how much that grows by the last day. */
  busyReads: number;
  growth: number;
}

const HOUR = 3_600_000;
const MIN = 60_000;
const DAY = 24 * HOUR;
const AGENTS = {
  laptop:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  phone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  attacker: 'python-requests/2.32.3',
} as const;
const APPS = [
  'crm',
  'hr',
  'finance',
  'wiki',
  'support',
  'code',
  'sales',
  'legal',
  'ops',
  'billing',
  'data',
  'it',
];
const OBJECTS = ['contacts', 'deals', 'reports', 'files', 'tickets', 'settings'];
/** Every resource family of the company: 72, of which a user works with a handful. */
const RESOURCES = APPS.flatMap((app) => OBJECTS.map((object) => `${app}/${object}`));

/**
 * A company's sign-ins and data access, with labelled attacks. Benign life includes what fools
 * weaker detectors: business trips at flight speed, the corporate VPN, mobile carriers with
 * country-wide locations, IPv6, shared office NAT, a new phone now and then, and large legitimate
 * exports. Deterministic for a seed.
 */
function distanceKm(a: City, b: City): number {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/**
 * A start for `days` of simulated company that all lie in the past: midnight UTC `days + 1` days before
 * `nowMs`. A day's sign-ins run past its midnight by a few hours (late workers west of UTC), so the
 * spare day keeps them behind the clock, and the whole stream stays inside the event age limit
 * (`VIGIL_EVENT_MAX_AGE_MS`, 90 days by default) that the fixed dates of a recording would exceed.
 */
export function recentStart(days: number, nowMs: number = Date.now()): string {
  const today = Math.floor(nowMs / DAY) * DAY;
  return new Date(today - (days + 1) * DAY).toISOString();
}

export function simulate(options: SimulationOptions): {
  events: SimulatedEvent[];
  truth: Truth[];
  traps: Trap[];
  population: Population;
} {
  const random = new Random(options.seed);
  const start = Date.parse(options.start);
  const events: SimulatedEvent[] = [];
  let sequence = 0;
  const nextId = () => `sim-${(++sequence).toString(36).padStart(7, '0')}`;

  const emit = (user: string, atMs: number, fields: Record<string, unknown>): string => {
    const event_id = nextId();
    events.push({
      event_id,
      occurred_at: new Date(Math.round(atMs)).toISOString(),
      user_id: user,
      ...fields,
    });
    return event_id;
  };
  const auth = (
    user: User | string,
    atMs: number,
    type: (typeof AUTH_TYPES)[number],
    ip: string,
    device?: string,
    agent?: string,
  ) =>
    emit(typeof user === 'string' ? user : user.id, atMs, {
      type,
      ip,
      ...(device && {
        device_id: device,
        user_agent: agent ?? (device.endsWith('phone') ? AGENTS.phone : AGENTS.laptop),
      }),
      service: 'sso',
    });
  const access = (
    user: User,
    atMs: number,
    action: (typeof ACCESS_ACTIONS)[number],
    records: number,
    ip: string,
    device: string,
    family: string = random.pick(user.resources),
  ) =>
    emit(user.id, atMs, {
      action,
      resource: `/${family}/${random.int(1000, 99_999)}`,
      records,
      ip,
      device_id: device,
      service: 'apps',
    });

  const users: User[] = Array.from({ length: options.users }, (_, i) => {
    const home = CITIES[i % CITIES.length]!;
    const id = `u${String(i + 1).padStart(5, '0')}`;
    return {
      id,
      home,
      ips: random.sample(home.ips, 2),
      devices: [`${id}-laptop`, `${id}-phone`],
      usesVpn: random.chance(0.15),
      usesMobile: random.chance(0.3) && MOBILE[home.country] !== undefined,
      resources: random.sample(RESOURCES, random.int(5, 9)),
      busyReads: 0,
      growth: 1,
    };
  });

  // Benign traps' users, apart from every attack's victims.
  const trapUsers = random.sample(users, Math.min(users.length, options.attacksPerKind * TRAP_KINDS.length));
  const trapped = new Map<User, TrapKind>();
  trapUsers.forEach((user, i) => trapped.set(user, TRAP_KINDS[i % TRAP_KINDS.length]!));
  for (const [user, kind] of trapped) {
    // Heavy readers: an on-call engineer, a team whose use doubles over the weeks.
    if (kind === 'incident_on_call') user.busyReads = random.int(25, 45);
    if (kind === 'growing_team') {
      user.busyReads = random.int(25, 35);
      user.growth = 2;
    }
  }
  const traps: Trap[] = [];
  const trapSpans = new Map<User, { from: number; to: number; events: number[] }>();
  const trapDay = () => random.int(Math.min(15, options.days - 6), options.days - 6);
  for (const [user, kind] of trapped) {
    const first = kind === 'growing_team' ? 0 : trapDay();
    trapSpans.set(user, {
      from: first,
      to: kind === 'new_project' ? first + 4 : kind === 'incident_on_call' ? first : options.days - 1,
      events: [],
    });
  }

  // Benign days.
  for (const user of users) {
    let away: { city: City; until: number } | undefined;
    let last: { city: City; atMs: number } | undefined;
    const changesPhoneOn = random.chance(0.01) ? random.int(15, options.days - 1) : -1;
    for (let day = 0; day < options.days; day++) {
      const dayStart = start + day * DAY;
      const weekday = new Date(dayStart).getUTCDay() % 6 !== 0;
      if (!weekday && !random.chance(0.15)) continue;
      if (day === changesPhoneOn) user.devices[1] = `${user.id}-phone-2`;
      // A business trip: the flight takes at least distance / 800 km/h plus airports.
      if (!away && day > 2 && random.chance(0.01)) {
        const city = random.pick(CITIES.filter((c) => c !== user.home));
        away = { city, until: dayStart + random.int(2, 4) * DAY };
      }
      if (away && dayStart > away.until) away = undefined;
      const city = away?.city ?? user.home;
      const morning = dayStart + (8 - city.utc) * HOUR + random.int(0, 120) * MIN;
      const device = day < 2 ? user.devices[day]! : random.chance(0.7) ? user.devices[0]! : user.devices[1]!;
      const onPhone = device === user.devices[1];
      const ip = away
        ? random.pick(city.ips)
        : user.usesVpn && random.chance(0.3)
          ? random.pick(VPN_EGRESS.ips)
          : onPhone && user.usesMobile
            ? random.pick(MOBILE[user.home.country]!)
            : random.chance(0.15)
              ? `10.${CITIES.indexOf(city)}.${random.int(0, 3)}.${random.int(2, 250)}`
              : random.pick(user.ips);
      // After a flight the first sign-in waits for the flight: 800 km/h plus three hours of airports.
      const landed =
        last && last.city !== city ? last.atMs + (distanceKm(last.city, city) / 800 + 3) * HOUR : 0;
      const at = Math.max(morning, landed);
      last = { city, atMs: at + 4 * HOUR };
      if (random.chance(0.05)) auth(user, at - 2 * MIN, 'login_failure', ip, device);
      auth(user, at, 'login_success', ip, device);
      auth(user, at + 30_000, 'mfa_success', ip, device);
      for (let i = random.int(1, 5); i > 0; i--)
        access(user, at + random.int(5, 480) * MIN, 'read', random.int(1, 50), ip, device);
      if (random.chance(0.15))
        access(user, at + random.int(30, 420) * MIN, 'export', random.int(10, 150), ip, device);
      if (random.chance(0.002))
        access(user, at + random.int(30, 420) * MIN, 'export', random.int(1100, 3000), ip, device);
      const trap = trapped.get(user);
      const span = trapSpans.get(user);
      const inTrap = span !== undefined && day >= span.from && day <= span.to;
      const times = span?.events ?? [];
      if (user.busyReads > 0) {
        // Two busy hours a working day, growing over the weeks for a growing team.
        const reads = Math.round(user.busyReads * (1 + ((user.growth - 1) * day) / options.days));
        for (const hour of [1, 5])
          for (let i = random.int(reads - 5, reads + 5); i > 0; i--) {
            const when = at + hour * HOUR + random.int(0, 3599) * 1000;
            access(user, when, 'read', random.int(1, 5), ip, device);
            if (inTrap) times.push(when);
          }
      }
      if (inTrap && trap === 'incident_on_call') {
        // An incident: two hours of reads at three to four times the busiest usual hour, known resources.
        const reads = random.int(Math.round(user.busyReads * 2.5), Math.round(user.busyReads * 3.5)) * 2;
        const from = at + 2 * HOUR;
        for (let i = 0; i < reads; i++) {
          const when = from + Math.floor((i * 2 * HOUR) / reads);
          access(user, when, 'read', random.int(1, 3), ip, device);
          times.push(when);
        }
      }
      if (inTrap && trap === 'new_project') {
        // A new project: three resource families never reached before each day, a few reads each.
        const fresh = random.sample(
          RESOURCES.filter((r) => !user.resources.includes(r)),
          3,
        );
        user.resources.push(...fresh);
        for (const family of fresh)
          for (let i = random.int(1, 3); i > 0; i--) {
            const when = at + random.int(10, 420) * MIN;
            access(user, when, 'read', random.int(1, 20), ip, device, family);
            times.push(when);
          }
      }
      auth(user, at + 4 * HOUR, 'token_refresh', ip, device);
      auth(user, at + 9 * HOUR, 'logout', ip, device);
    }
  }

  // Attacks, after every user's learning period, each on its own victims.
  const truth: Truth[] = [];
  for (const [user, kind] of trapped) {
    const times = trapSpans.get(user)!.events.sort((a, b) => a - b);
    if (times.length === 0) continue;
    traps.push({
      kind: 'trap',
      id: `trap-${String(traps.length + 1).padStart(4, '0')}`,
      type: kind,
      users: [user.id],
      start: new Date(times[0]!).toISOString(),
      end: new Date(times.at(-1)!).toISOString(),
      tempted_signals: TEMPTS[kind],
    });
  }
  const victims = random.sample(
    users.filter((user) => !trapped.has(user)),
    Math.min(users.length - trapped.size, options.attacksPerKind * 8),
  );
  let victimIndex = 0;
  const victim = () => victims[victimIndex++ % victims.length]!;
  const attackDay = () => start + random.int(Math.min(15, options.days - 1), options.days - 1) * DAY;
  const timeOf = new Map<string, string>();
  const record = (type: AttackKind, users: string[], eventIds: string[]) => {
    if (timeOf.size < events.length) for (const e of events) timeOf.set(e.event_id, e.occurred_at);
    const times = eventIds.map((id) => timeOf.get(id)!).sort();
    truth.push({
      kind: 'attack',
      id: `atk-${String(truth.length + 1).padStart(4, '0')}`,
      type,
      users,
      event_ids: eventIds,
      start: times[0]!,
      end: times.at(-1)!,
      expected_signals: EXPECTED[type].signals,
      expects_action: EXPECTED[type].action,
    });
  };
  const foreign = () => random.pick(HOSTILE.logins);
  const workTime = (user: User, dayStart: number) =>
    dayStart + (11 - user.home.utc) * HOUR + random.int(0, 240) * MIN;

  for (let n = 0; n < options.attacksPerKind; n++) {
    {
      const user = victim();
      const t = workTime(user, attackDay());
      const ip = foreign();
      record(
        'account_takeover',
        [user.id],
        [
          auth(user, t, 'login_success', ip, `${user.id}-unknown-${n}`, AGENTS.attacker),
          auth(user, t + 20_000, 'mfa_success', ip, `${user.id}-unknown-${n}`, AGENTS.attacker),
        ],
      );
    }
    {
      // A stolen session cookie replayed from another continent, on what claims to be the user's laptop.
      const user = victim();
      const t = workTime(user, attackDay());
      const home = random.pick(user.ips);
      auth(user, t, 'login_success', home, user.devices[0]);
      record(
        'impossible_travel',
        [user.id],
        [auth(user, t + random.int(10, 50) * MIN, 'token_refresh', foreign(), user.devices[0])],
      );
    }
    {
      const user = victim();
      const t = workTime(user, attackDay());
      const ip = random.pick(user.home.ips);
      const device = `${user.id}-rogue-${n}`;
      record(
        'new_device_takeover',
        [user.id],
        [
          auth(user, t, 'login_success', ip, device, AGENTS.attacker),
          access(user, t + 2 * MIN, 'export', 1500, ip, device),
        ],
      );
    }
    {
      const user = victim();
      const t = workTime(user, attackDay());
      const ip = foreign();
      const device = `${user.id}-exfil-${n}`;
      record(
        'fast_exfiltration',
        [user.id],
        [
          auth(user, t, 'login_success', ip, device, AGENTS.attacker),
          access(user, t + random.int(5, 40) * 1000, 'download', random.int(3000, 20000), ip, device),
        ],
      );
    }
    {
      // Low and slow from the user's own laptop at home: 300 records every 3 minutes for an hour.
      const user = victim();
      const t = workTime(user, attackDay());
      const ip = random.pick(user.ips);
      const ids = Array.from({ length: 20 }, (_, i) =>
        access(user, t + i * 3 * MIN, 'export', 300, ip, user.devices[0]!),
      );
      record('slow_exfiltration', [user.id], ids);
    }
    {
      // A botnet tries leaked credentials: each address works through its own list of accounts.
      const t = attackDay() + random.int(0, 20) * HOUR;
      const ids: string[] = [];
      const targets = new Set<string>();
      for (const [b, ip] of random.sample(HOSTILE.botnet, 3).entries()) {
        for (const [i, target] of random.sample(users, 25).entries()) {
          targets.add(target.id);
          ids.push(auth(target, t + b * 7 * MIN + i * 15_000, 'login_failure', ip));
        }
      }
      record('credential_stuffing', [...targets], ids);
    }
    {
      const t = attackDay() + random.int(0, 20) * HOUR;
      const ip = random.pick(HOSTILE.botnet);
      const targets = random.sample(users, 40);
      record(
        'password_spray',
        targets.map((u) => u.id),
        targets.map((target, i) => auth(target, t + i * 10_000, 'login_failure', ip)),
      );
    }
    {
      const user = victim();
      const t = workTime(user, attackDay());
      const ip = foreign();
      record(
        'mfa_fatigue',
        [user.id],
        Array.from({ length: 8 }, (_, i) => auth(user, t + i * 45_000, 'mfa_failure', ip)),
      );
    }
    {
      // A stolen session reads record after record, from the user's own laptop and address.
      const user = victim();
      const t = workTime(user, attackDay());
      const ip = random.pick(user.ips);
      const reads = random.int(450, 900);
      const spreadMs = random.int(45, 75) * MIN;
      record(
        'scraping',
        [user.id],
        Array.from({ length: reads }, (_, i) =>
          access(
            user,
            t + Math.floor((i * spreadMs) / reads),
            'read',
            random.int(1, 3),
            ip,
            user.devices[0]!,
          ),
        ),
      );
    }
    {
      // Someone finding out what the account can reach: one or two reads of each of many resources.
      const user = victim();
      const t = workTime(user, attackDay());
      const ip = random.pick(user.ips);
      const unknown = random.sample(
        RESOURCES.filter((r) => !user.resources.includes(r)),
        random.int(20, 35),
      );
      const spreadMs = random.int(15, 40) * MIN;
      const ids = unknown.flatMap((family, i) =>
        Array.from({ length: random.int(1, 2) }, () =>
          access(
            user,
            t + Math.floor((i * spreadMs) / unknown.length) + random.int(0, 20) * 1000,
            'read',
            random.int(1, 10),
            ip,
            user.devices[0]!,
            family,
          ),
        ),
      );
      record('resource_exploration', [user.id], ids);
    }
  }

  events.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at) || a.event_id.localeCompare(b.event_id));
  return {
    events,
    truth,
    traps,
    population: {
      kind: 'population',
      users: options.users,
      days: options.days,
      start: options.start,
      seed: options.seed,
      trusted_networks: VPN_EGRESS.cidrs,
    },
  };
}
