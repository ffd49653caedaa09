/**
 * The rules of Shared Signals Framework 1.0 (final, 29 August 2025) and OpenID CAEP 1.0 (final, same
 * date) that a receiver holds a Security Event Token's payload to, written from the specifications
 * and not from Vigil's own schema, so that the two can disagree. Each rule cites its section; the
 * answer is the list of what a payload breaks, empty when it conforms.
 */

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 9493 §3.2: the formats a Subject Identifier may take, and the members each requires. */
const RFC9493_FORMATS: Record<string, readonly string[]> = {
  account: ['uri'],
  aliases: ['identifiers'],
  did: ['url'],
  email: ['email'],
  iss_sub: ['iss', 'sub'],
  opaque: ['id'],
  phone_number: ['phone_number'],
  uri: ['uri'],
};

function simpleSubjectViolations(name: string, subject: unknown): string[] {
  if (!isObject(subject) || typeof subject.format !== 'string') return [`${name}: not a Subject Identifier`];
  const members = RFC9493_FORMATS[subject.format];
  if (!members) return [`${name}: format ${subject.format} is not an RFC 9493 format`];
  return members
    .filter((member) => typeof subject[member] !== 'string' || subject[member] === '')
    .map((member) => `${name}: ${subject.format} needs ${member}`);
}

/** SSF 1.0 §3.2 and §3.3: a simple subject, or a complex one whose members are simple subjects. */
function subjectViolations(subject: unknown): string[] {
  if (!isObject(subject)) return ['sub_id: missing (SSF 1.0 §3.1: the top-level sub_id MUST be used)'];
  if (subject.format !== 'complex') return simpleSubjectViolations('sub_id', subject);
  const members = Object.entries(subject).filter(([name]) => name !== 'format');
  if (members.length === 0) return ['sub_id: a complex subject needs at least one member (SSF 1.0 §3.3)'];
  return members.flatMap(([name, value]) => simpleSubjectViolations(`sub_id.${name}`, value));
}

/** CAEP 1.0 §2: the optional claims every CAEP event may carry. */
function commonClaimViolations(type: string, event: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if ('event_timestamp' in event && !Number.isInteger(event.event_timestamp))
    problems.push(`${type}: event_timestamp is not a number of seconds`);
  if (
    'initiating_entity' in event &&
    !['admin', 'user', 'policy', 'system'].includes(String(event.initiating_entity))
  )
    problems.push(
      `${type}: initiating_entity ${JSON.stringify(event.initiating_entity)} is not one of the four`,
    );
  for (const claim of ['reason_admin', 'reason_user']) {
    if (!(claim in event)) continue;
    const reasons = event[claim];
    // One or more language-tagged messages; the interoperability profile wants them non-empty.
    if (
      !isObject(reasons) ||
      Object.keys(reasons).length === 0 ||
      Object.entries(reasons).some(
        ([tag, text]) =>
          !/^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$/.test(tag) || typeof text !== 'string' || text === '',
      )
    )
      problems.push(`${type}: ${claim} is not a map of BCP 47 tags to messages`);
  }
  return problems;
}

/** CAEP 1.0 §3: the event-specific claims of the event types Vigil sends. */
const EVENT_RULES: Record<string, (event: Record<string, unknown>) => string[]> = {
  // §3.1.1: no event-specific claims.
  'session-revoked': () => [],
  // §3.4.1: namespace and current_level required; change_direction, when given, one of two.
  'assurance-level-change': (event) => {
    const problems: string[] = [];
    for (const claim of ['namespace', 'current_level'])
      if (typeof event[claim] !== 'string') problems.push(`assurance-level-change: ${claim} is required`);
    if ('previous_level' in event && typeof event.previous_level !== 'string')
      problems.push('assurance-level-change: previous_level is not a string');
    if ('change_direction' in event && !['increase', 'decrease'].includes(String(event.change_direction)))
      problems.push('assurance-level-change: change_direction is neither increase nor decrease');
    if ('previous_level' in event && !('change_direction' in event))
      problems.push('assurance-level-change: a previous_level SHOULD come with its change_direction');
    return problems;
  },
};

/** What a SET payload breaks of SSF 1.0 §4 and CAEP 1.0; empty when it conforms. */
export function caepViolations(payload: Record<string, unknown>): string[] {
  const problems: string[] = [];
  // SSF 1.0 §4.1.2 and §4.1.7.
  if ('sub' in payload) problems.push('sub: MUST NOT be present (SSF 1.0 §4.1.2)');
  if ('exp' in payload) problems.push('exp: MUST NOT be used (SSF 1.0 §4.1.7)');
  // RFC 8417 §2.2: iss, iat, jti and events are required; SSF 1.0 §4.1.9 asks for txn.
  for (const claim of ['iss', 'jti', 'txn'])
    if (typeof payload[claim] !== 'string' || payload[claim] === '') problems.push(`${claim}: missing`);
  if (!Number.isInteger(payload.iat)) problems.push('iat: missing');
  if (typeof payload.iss === 'string' && !payload.iss.startsWith('https://'))
    problems.push('iss: not an https Issuer (SSF 1.0 §7.1)');
  problems.push(...subjectViolations(payload.sub_id));
  if (!isObject(payload.events)) return [...problems, 'events: missing'];
  const types = Object.keys(payload.events);
  // SSF 1.0 §4.2.1: one event per SET.
  if (types.length !== 1) problems.push(`events: ${types.length} events, not one`);
  for (const type of types) {
    const name = type.startsWith(CAEP) ? type.slice(CAEP.length) : undefined;
    const rules = name === undefined ? undefined : EVENT_RULES[name];
    const event = payload.events[type];
    if (!rules) problems.push(`events: ${type} is not a CAEP 1.0 event Vigil sends`);
    else if (!isObject(event)) problems.push(`${name}: not an object`);
    else problems.push(...commonClaimViolations(name!, event), ...rules(event));
  }
  return problems;
}
