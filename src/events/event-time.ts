/**
 * Which event times Vigil accepts. State is kept in event time, so one event dated far ahead would make
 * every later real event look like the past, and one dated long ago would skip a user's learning period:
 * neither may touch state. An event more than `maxSkewMs` ahead of the clock, or older than `maxAgeMs`
 * (the longest Vigil remembers anything), is out of range.
 */
export interface EventTimeBounds {
  readonly maxSkewMs: number;
  readonly maxAgeMs: number;
}

/**
 * What an event's time is judged against: the instant it may not be far ahead of, and the instant it
 * may not be far older than. `observe` is told of every accepted event's time.
 */
export interface EventClock {
  now(): { readonly aheadOf: number; readonly ageFrom: number };
  observe(atMs: number): void;
}

/** A processor's clock: the machine's. */
export const wallClock = (): EventClock => ({
  now: () => {
    const now = Date.now();
    return { aheadOf: now, ageFrom: now };
  },
  observe: () => {},
});

/** Judges a file as if it were this instant: `vigil replay --as-of 2026-03-23T00:00:00Z`. */
export const fixedClock = (atMs: number): EventClock => ({
  now: () => ({ aheadOf: atMs, ageFrom: atMs }),
  observe: () => {},
});

/**
 * Judges a recorded file as it happened, whenever it was recorded: age is measured from the newest
 * accepted event (the first event starts it), while nothing may be ahead of the machine's clock, since
 * no recording holds a real event from the future. One far-future line is refused, never followed.
 */
export function newestEventClock(): EventClock {
  let newest = Number.NaN;
  return {
    now: () => ({ aheadOf: Date.now(), ageFrom: newest }),
    observe: (atMs) => {
      newest = Number.isNaN(newest) ? atMs : Math.max(newest, atMs);
    },
  };
}

export type EventTimeVerdict = { ok: true } | { ok: false; reason: string };

export function judgeEventTime(atMs: number, clock: EventClock, bounds: EventTimeBounds): EventTimeVerdict {
  const { aheadOf, ageFrom } = clock.now();
  const at = new Date(atMs).toISOString();
  if (atMs > aheadOf + bounds.maxSkewMs)
    return {
      ok: false,
      reason: `occurred_at ${at} is more than ${duration(bounds.maxSkewMs)} ahead of ${iso(aheadOf)}`,
    };
  if (atMs < ageFrom - bounds.maxAgeMs)
    return {
      ok: false,
      reason: `occurred_at ${at} is more than ${duration(bounds.maxAgeMs)} before ${iso(ageFrom)}`,
    };
  clock.observe(atMs);
  return { ok: true };
}

const iso = (ms: number) => new Date(ms).toISOString();

function duration(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 2880 ? `${Math.round(minutes / 1440)} days` : `${Math.round(minutes)} min`;
}
