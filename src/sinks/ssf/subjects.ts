/**
 * A subject identifier (RFC 9493): a simple one (`opaque`, `email`, …) or a `complex` one whose members
 * (`user`, `session`, …) are simple identifiers.
 */
export type Subject = { readonly format: string } & Readonly<Record<string, unknown>>;

/** The same JSON for the same subject whatever the order of its members: what Redis keeps. */
export function canonicalSubject(subject: Subject): string {
  const sorted = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([key, member]) => [key, sorted(member)]),
        )
      : value;
  return JSON.stringify(sorted(subject));
}

const membersOf = (subject: Subject): Subject[] =>
  subject.format === 'complex'
    ? Object.entries(subject)
        .filter(([key, member]) => key !== 'format' && member && typeof member === 'object')
        .map(([, member]) => member as Subject)
    : [];

/**
 * Whether an event whose `sub_id` is `event` is about `subject`: the same identifier, one of its
 * members (the user `{format: opaque, id: dave}` covers a revocation of Dave's sessions and a step-up
 * of one of them), or a complex subject whose every member the event names too.
 */
export function isAbout(event: Subject, subject: Subject): boolean {
  const wanted = canonicalSubject(subject);
  if (canonicalSubject(event) === wanted) return true;
  const eventMembers = Object.entries(event.format === 'complex' ? event : {}).filter(
    ([key]) => key !== 'format',
  );
  if (eventMembers.some(([, member]) => canonicalSubject(member as Subject) === wanted)) return true;
  if (subject.format !== 'complex' || !membersOf(subject).length) return false;
  return Object.entries(subject)
    .filter(([key]) => key !== 'format')
    .every(([key, member]) =>
      eventMembers.some(
        ([eventKey, eventMember]) =>
          eventKey === key &&
          canonicalSubject(eventMember as Subject) === canonicalSubject(member as Subject),
      ),
    );
}
