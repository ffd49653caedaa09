import { styleText } from 'node:util';
import type { Action } from '../decide/policy.ts';
import type { Severity } from '../detect/signal.ts';
import type { Place } from '../enrich/geo.ts';
import type { DecisionRecord, FeedbackOutcome, Outcome, SignalRecord } from './engine.ts';
import { printable } from './printable.ts';

/** One decision with what an analyst needs around it: where the event came from, on what. */
interface Incident {
  readonly decision: DecisionRecord;
  /** The event that caused it, in words: `login success`, `export crm/contacts (2,500 records)`. */
  readonly what: string;
  /** Absent for a revocation an analyst's verdict called for: no event came from anywhere. */
  readonly ip?: string;
  readonly place?: Place;
  readonly device?: string;
  /** Analysts' verdicts on the decision, in the order they came. */
  readonly verdicts: Verdict[];
}

interface Verdict {
  readonly verdict: 'confirmed' | 'benign';
  readonly analyst: string;
  readonly reason: string;
  readonly at: string;
}

const ACTION_RANK: Record<Action, number> = { revoke_sessions: 2, step_up: 1, allow: 0 };

const SIGNAL_NAMES: Record<string, string> = {
  impossible_travel: 'impossible travel',
  new_device: 'new device',
  new_country: 'new country',
  bulk_download: 'bulk download',
  brute_force: 'brute force',
  mfa_fatigue: 'MFA fatigue',
  password_spray: 'password spray',
  unusual_request_rate: 'unusual request rate',
  resource_exploration: 'resource exploration',
  confirmed_compromise: 'confirmed compromise',
};

type Style = Parameters<typeof styleText>[0];

/**
 * The person's end of `replay`: one block per user with a decision, the strongest first; in each,
 * the decisions in time order, and under each its signals in words with their evidence (places and
 * times, distance and speed, the device, the counts). Every time is UTC, and every text that came
 * from an event goes through `printable`, as the rest of a terminal's output does.
 */
export class IncidentView {
  readonly #byUser = new Map<string, Incident[]>();
  readonly #byDecision = new Map<string, Incident>();

  add(outcome: Outcome): void {
    // A redelivered event's decision was shown the first time, as the NDJSON output does.
    if (outcome.status !== 'processed' || !outcome.decision) return;
    const { enriched, decision } = outcome;
    const event = enriched.event;
    const what =
      event.kind === 'auth'
        ? event.type.replaceAll('_', ' ')
        : `${event.action} ${event.resource} (${count(event.records, 'record')})`;
    this.#push({
      decision,
      what,
      ip: enriched.ip,
      ...(enriched.place && { place: enriched.place }),
      ...((event.device_id ?? event.user_agent) !== undefined && {
        device: event.device_id ?? event.user_agent,
      }),
      verdicts: [],
    });
  }

  /**
   * An analyst's verdict: shown under the decision it judges when that decision is in the view (a verdict
   * on a decision from elsewhere has nothing to stand under), and the revocation a confirmed takeover
   * called for as a decision of its own. A verdict applied before is not shown again.
   */
  addFeedback(outcome: FeedbackOutcome): void {
    if (outcome.status !== 'applied') return;
    const { feedback, decision } = outcome;
    this.#byDecision.get(feedback.decision_id)?.verdicts.push({
      verdict: feedback.verdict,
      analyst: feedback.analyst,
      reason: feedback.reason,
      at: feedback.occurred_at,
    });
    if (decision)
      this.#push({
        decision,
        what: `${feedback.analyst} confirmed a takeover (decision ${feedback.decision_id})`,
        ...(feedback.device_id !== undefined && { device: feedback.device_id }),
        verdicts: [],
      });
  }

  #push(incident: Incident): void {
    const incidents = this.#byUser.get(incident.decision.user_id) ?? [];
    incidents.push(incident);
    this.#byUser.set(incident.decision.user_id, incidents);
    this.#byDecision.set(incident.decision.id, incident);
  }

  render(options: { readonly colour: boolean }): string {
    const paint = (style: Style, text: string) =>
      options.colour ? styleText(style, text, { validateStream: false }) : text;
    const users = [...this.#byUser].map(([user, incidents]) => ({
      user,
      incidents: incidents.toSorted((a, b) => a.decision.occurred_at.localeCompare(b.decision.occurred_at)),
      rank: Math.max(...incidents.map((incident) => ACTION_RANK[incident.decision.action])),
      risk: Math.max(...incidents.map((incident) => incident.decision.risk)),
    }));
    if (users.length === 0) return 'no incidents: no event raised a signal\n';
    users.sort(
      (a, b) =>
        b.rank - a.rank ||
        b.risk - a.risk ||
        a.incidents[0]!.decision.occurred_at.localeCompare(b.incidents[0]!.decision.occurred_at) ||
        a.user.localeCompare(b.user),
    );
    const decisions = users.flatMap(({ incidents }) => incidents.map(({ decision }) => decision.action));
    const byAction = (['revoke_sessions', 'step_up', 'allow'] as const)
      .map((action) => [action, decisions.filter((a) => a === action).length] as const)
      .filter(([, n]) => n > 0)
      .map(([action, n]) => `${n} ${actionName(action)}`);
    const lines = [
      paint(
        'bold',
        `${count(decisions.length, 'decision')} for ${count(users.length, 'user')}: ${byAction.join(', ')}`,
      ),
    ];
    for (const { user, incidents } of users) {
      lines.push('', paint('bold', printable(user)));
      for (const incident of incidents) lines.push(...renderIncident(incident, paint));
    }
    return `${lines.join('\n')}\n`;
  }
}

function renderIncident(incident: Incident, paint: (style: Style, text: string) => string): string[] {
  const { decision } = incident;
  const actionStyle: Style =
    decision.action === 'revoke_sessions'
      ? ['bold', 'red']
      : decision.action === 'step_up'
        ? 'yellow'
        : 'green';
  const source = [
    ...(incident.ip !== undefined
      ? [`from ${printable(incident.ip)}${incident.place ? ` (${placeName(incident.place)})` : ''}`]
      : []),
    ...(incident.device !== undefined ? [`device ${printable(incident.device)}`] : []),
    ...(decision.session_id !== undefined ? [`session ${printable(decision.session_id)}`] : []),
  ];
  return [
    `  ${utc(decision.occurred_at)}  ${paint(actionStyle, actionName(decision.action))}, risk ${decision.risk.toFixed(2)}` +
      (decision.rule ? ` (${printable(decision.rule)})` : '') +
      paint('dim', `, event ${printable(decision.event_id)}`),
    // `login success from 10.0.0.1, device d-1`; without an address, `…, device d-1`.
    paint(
      'dim',
      `    ${printable(incident.what)}${source.length ? (incident.ip !== undefined ? ' ' : ', ') : ''}${source.join(', ')}`,
    ),
    ...decision.signals.flatMap((signal) => renderSignal(signal, paint)),
    ...accumulatedRisk(decision),
    ...incident.verdicts.map(
      ({ verdict, analyst, reason, at }) =>
        `    ${paint(verdict === 'confirmed' ? ['bold', 'red'] : 'green', `${verdict}`)} by ${printable(analyst)} ` +
        `at ${utc(at)}: ${printable(reason)}`,
    ),
  ];
}

/** The user's risk built up over time, when signals of earlier events add to this event's. */
function accumulatedRisk(decision: DecisionRecord): string[] {
  const accumulated = decision.accumulated;
  // A contribution names its signal by the first 12 characters of the signal's id.
  const own = new Set(decision.signals.map(({ id }) => id.slice(0, 12)));
  if (!accumulated?.contributions.some(({ id }) => !own.has(id.slice(0, 12)))) return [];
  const types = [...new Set(accumulated.contributions.map(({ type }) => SIGNAL_NAMES[type] ?? type))];
  return [
    `    accumulated risk ${accumulated.risk.toFixed(2)} from ${count(accumulated.contributions.length, 'signal')} ` +
      `(${types.map(printable).join(', ')}; half-life ${formatNumber(accumulated.halfLifeHours)} h)`,
  ];
}

function renderSignal(signal: SignalRecord, paint: (style: Style, text: string) => string): string[] {
  const described = describeSignal(signal) ?? { headline: printable(signal.summary), details: [] };
  const name = SIGNAL_NAMES[signal.type] ?? signal.type;
  return [
    `    ${paint('bold', name)} ${paint(SEVERITY_STYLES[signal.severity], `(${signal.severity})`)}: ${described.headline}`,
    ...described.details.map((detail) => `      ${detail}`),
  ];
}

const SEVERITY_STYLES: Record<Severity, Style> = {
  critical: ['bold', 'red'],
  high: 'red',
  medium: 'yellow',
  low: 'dim',
};

interface Described {
  readonly headline: string;
  readonly details: readonly string[];
}

/** A signal's evidence in words, or undefined when it lacks a field this needs (then its summary). */
export function describeSignal(signal: Pick<SignalRecord, 'type' | 'evidence'>): Described | undefined {
  const e = new Evidence(signal.evidence);
  try {
    switch (signal.type) {
      case 'impossible_travel':
        return describeTravel(e);
      case 'new_device': {
        const device = e.optionalText('deviceId') ?? 'a device';
        const agent = e.optionalText('userAgent');
        const lastSeen = e.optionalText('lastSeen');
        return {
          headline:
            `${device}${agent ? ` (${agent})` : ''}, ` +
            (lastSeen ? `not used since ${utc(lastSeen)}` : 'never seen for this user') +
            `; ${count(e.number('knownDevices'), 'known device')}`,
          details: [],
        };
      }
      case 'new_country': {
        const city = e.optionalText('city');
        const lastSeen = e.optionalText('lastSeen');
        const known = e.list('knownCountries').map(countryName);
        return {
          headline:
            `${countryName(e.text('country'))} (${city ? `${city}, ` : ''}${e.text('ip')}), ` +
            (lastSeen ? `not seen since ${utc(lastSeen)}` : 'first sign-in from there') +
            (known.length ? `; known: ${known.join(', ')}` : ''),
          details: [],
        };
      }
      case 'bulk_download': {
        const rule = e.text('rule');
        const aggravating = e.list('aggravating').map((type) => type.replaceAll('_', ' '));
        return {
          headline:
            `${count(e.number('records'), 'record')} in ${e.number('windowMinutes')} min over ` +
            `${count(e.number('events'), 'request')} (threshold ${formatNumber(e.number('threshold'))}` +
            (rule === 'baseline' ? `, from a baseline of ${formatNumber(e.number('baselineRecords'))}` : '') +
            ')' +
            (aggravating.length ? `, from a ${aggravating.join(' and a ')}` : ''),
          details: [],
        };
      }
      case 'brute_force':
        return failures(e, 'failed login');
      case 'mfa_fatigue':
        return failures(e, 'rejected MFA challenge');
      case 'unusual_request_rate': {
        const ceiling = e.text('rule') === 'ceiling';
        const action = e.optionalText('lastAction');
        const resource = e.optionalText('lastResource');
        return {
          headline:
            `${count(e.number('requests'), 'request')} in ${e.number('windowMinutes')} min ` +
            `(${formatNumber(e.number('requestsPerHour'))} an hour; ` +
            (ceiling
              ? `ceiling ${formatNumber(e.number('threshold'))})`
              : `usually ${formatNumber(e.number('usualRequestsPerHour'))} an hour over ` +
                `${count(e.number('baselineHours'), 'active hour')}, threshold ${formatNumber(e.number('threshold'))})`),
          details: action && resource ? [`latest: ${action} ${resource}`] : [],
        };
      }
      case 'resource_exploration': {
        const raw = e.optionalText('rawResource');
        const resource = e.text('resource');
        return {
          headline:
            `${count(e.number('newResources'), 'resource')} never accessed before in ` +
            `${e.number('windowMinutes')} min (threshold ${formatNumber(e.number('threshold'))}; ` +
            `${formatNumber(e.number('knownResources'))} known)`,
          details: [`latest: ${resource}${raw && raw !== resource ? ` (${raw})` : ''}`],
        };
      }
      case 'password_spray': {
        const prefix = e.text('scope') === 'prefix64';
        const users = prefix ? e.number('prefix64Users') : e.number('users');
        const sample = e.list('sampleUsers');
        return {
          headline:
            `failed sign-ins for ${count(users, 'user')} from ${e.text('ip')}${prefix ? "'s /64" : ''} ` +
            `in ${e.number('windowMinutes')} min (threshold ${formatNumber(e.number('threshold'))})`,
          details: sample.length
            ? [`among them: ${sample.join(', ')}${sample.length < users ? ', …' : ''}`]
            : [],
        };
      }
      default:
        return undefined;
    }
  } catch (error) {
    if (error instanceof MissingEvidence) return undefined;
    throw error;
  }
}

function describeTravel(e: Evidence): Described {
  const from = e.place('from');
  const to = e.place('to');
  const distance =
    e.text('basis') === 'countries'
      ? `${formatNumber(Math.round(e.number('effectiveDistanceKm')))} km between the countries`
      : `${formatNumber(Math.round(e.number('distanceKm')))} km`;
  const width = Math.max(from.name.length, to.name.length);
  const ipWidth = Math.max(from.ip.length, to.ip.length);
  const row = (label: string, place: EvidencePlace) =>
    `${label} ${place.name.padEnd(width)}  ${place.ip.padEnd(ipWidth)}  ${utc(place.at)}`;
  return {
    headline:
      `${distance} in ${formatGap(e.number('gapSeconds'))}, at least ` +
      `${formatNumber(e.number('speedKmh'))} km/h (limit ${formatNumber(e.number('maxSpeedKmh'))} km/h)`,
    details: [row('from', from), row('to  ', to)],
  };
}

function failures(e: Evidence, what: string): Described {
  return {
    headline:
      `${count(e.number('failures'), what)} in ${e.number('windowMinutes')} min ` +
      `(threshold ${formatNumber(e.number('threshold'))}) from ${e.text('ip')}`,
    details: [],
  };
}

class MissingEvidence extends Error {}

interface EvidencePlace {
  readonly name: string;
  readonly ip: string;
  readonly at: string;
}

/** Typed reads of a signal's evidence; its texts come back printable, since events wrote them. */
class Evidence {
  readonly #fields: Readonly<Record<string, unknown>>;

  constructor(fields: Readonly<Record<string, unknown>>) {
    this.#fields = fields;
  }

  number(key: string): number {
    const value = this.#fields[key];
    if (typeof value !== 'number') throw new MissingEvidence(key);
    return value;
  }

  text(key: string): string {
    const value = this.optionalText(key);
    if (value === undefined) throw new MissingEvidence(key);
    return value;
  }

  optionalText(key: string): string | undefined {
    const value = this.#fields[key];
    return typeof value === 'string' && value !== '' ? printable(value) : undefined;
  }

  list(key: string): string[] {
    const value = this.#fields[key];
    if (!Array.isArray(value)) throw new MissingEvidence(key);
    return value.filter((item): item is string => typeof item === 'string').map(printable);
  }

  place(key: string): EvidencePlace {
    const value = this.#fields[key];
    if (typeof value !== 'object' || value === null) throw new MissingEvidence(key);
    const place = new Evidence(value as Record<string, unknown>);
    const city = place.optionalText('city');
    const country = place.optionalText('country');
    const ip = place.text('ip');
    return {
      name: [city, country && countryName(country)].filter(Boolean).join(', ') || ip,
      ip,
      at: place.text('at'),
    };
  }
}

const REGIONS = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** `BR` → `Brazil`; a code the platform does not know stays as it is. */
function countryName(code: string): string {
  try {
    return REGIONS.of(code) ?? code;
  } catch {
    return code;
  }
}

function placeName(place: Place): string {
  return [place.city, place.country && countryName(place.country)]
    .filter(Boolean)
    .map((part) => printable(part!))
    .join(', ');
}

const actionName = (action: Action) => action.replaceAll('_', ' ');

const formatNumber = (n: number) => n.toLocaleString('en');

const count = (n: number, noun: string) => `${formatNumber(n)} ${noun}${n === 1 ? '' : 's'}`;

/** `2026-03-19T09:45:00.000Z` → `2026-03-19 09:45:00 UTC`; anything else as it came. */
export function utc(iso: string): string {
  const atMs = Date.parse(iso);
  return Number.isNaN(atMs)
    ? printable(iso)
    : `${new Date(atMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `45 min`, `2 h 15 min`, `3 d 4 h`, `40 s`. */
export function formatGap(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}
