import type { AuthView } from '../state/store.ts';
import { DAY_MS, isLearning, learningEvidence, round, type DetectContext, type Signal } from './signal.ts';

/** A sign-in from a device the user has not used within the retention period, once past learning. */
export function detectNewDevice(context: DetectContext, view: AuthView): Signal | undefined {
  const { enriched, settings } = context;
  const device = enriched.device;
  if (!device) return undefined;
  const retentionMs = settings.device.retentionDays * DAY_MS;
  const seen = view.device;
  if (seen && enriched.atMs - seen.lastMs <= retentionMs) return undefined;
  if (isLearning(view.profile, enriched.atMs, settings.learning)) return undefined;
  const event = enriched.event;
  return {
    type: 'new_device',
    severity: 'medium',
    score: 0.4,
    summary: seen
      ? `device not used for ${round((enriched.atMs - seen.lastMs) / DAY_MS)} days signs in again`
      : `sign-in from a device never seen for this user (${view.knownDevices} known)`,
    evidence: {
      device: device.key,
      deviceSource: device.source,
      deviceId: event.device_id ?? null,
      userAgent: event.user_agent ?? null,
      knownDevices: view.knownDevices,
      lastSeen: seen ? new Date(seen.lastMs).toISOString() : null,
      retentionDays: settings.device.retentionDays,
      history: learningEvidence(view.profile, enriched.atMs),
    },
  };
}
