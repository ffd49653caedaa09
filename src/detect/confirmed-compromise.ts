import type { AuthView } from '../state/store.ts';
import type { DetectContext, Signal } from './signal.ts';

/** A successful sign-in from a device an analyst confirmed compromised: revoked, whatever else it is. */
export function detectCompromisedDevice(context: DetectContext, view: AuthView): Signal | undefined {
  const device = context.enriched.device;
  if (!device || view.compromisedSinceMs === undefined) return undefined;
  return {
    type: 'confirmed_compromise',
    severity: 'critical',
    score: 1,
    summary: `sign-in from a device confirmed compromised on ${new Date(view.compromisedSinceMs).toISOString().slice(0, 10)}`,
    evidence: {
      device: device.key,
      confirmedAt: new Date(view.compromisedSinceMs).toISOString(),
    },
  };
}
