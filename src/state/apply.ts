import type { AccessView, AuthView, FeedbackView, RiskView, StateLimits, StateOp, UserOp } from './store.ts';
import { applyUserOp, type UserRecord } from './user-state.ts';

export type UserView = AuthView | AccessView | RiskView | FeedbackView;

/** One user's state while a batch is applied: the record, and first views kept for a retry. */
export interface UserSlot {
  record: UserRecord;
  /** Kept first views by event key, in memory until the batch that made them is released. */
  readonly kept: Map<string, KeptView>;
  /** Whether the record changed since a store last saved it. */
  changed: boolean;
}

/** A first view, and where the message that made it was read. */
export interface KeptView {
  readonly view: UserView;
  readonly origin?: string;
}

export const isUserOp = (op: StateOp): op is UserOp => op.kind !== 'ip-failure';

/**
 * Applies one operation with the store contract (`store.ts`): the same message read again while its
 * first view is kept gets that view, marked as a duplicate that may raise its signals again; an event
 * that changed state keeps its view until released. Both stores call this, so they cannot disagree.
 */
export function applyKeeping(slot: UserSlot, op: UserOp, limits: StateLimits): UserView {
  const kept = slot.kept.get(op.eventKey);
  if (kept && kept.origin === op.origin) return { ...kept.view, duplicate: true, firstView: true };
  const view = applyUserOp(slot.record, op, limits);
  // Every access event counts towards the user's request rate, so each changes state.
  const keep = op.kind !== 'auth' || op.outcome !== 'other';
  if (!view.duplicate && keep) {
    const entry = { view, ...(op.origin && { origin: op.origin }) };
    slot.changed = true;
    slot.kept.set(op.eventKey, entry);
  }
  return view;
}
