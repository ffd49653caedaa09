import { createHash } from 'node:crypto';

export interface Device {
  /** Stable key in state: the emitter's device id, else a fingerprint of the user agent. */
  readonly key: string;
  readonly source: 'device_id' | 'user_agent';
}

export function identifyDevice(
  deviceId: string | undefined,
  userAgent: string | undefined,
): Device | undefined {
  if (deviceId) return { key: `id:${deviceId}`, source: 'device_id' };
  if (userAgent) {
    return {
      key: `ua:${createHash('sha256').update(userAgent).digest('base64url').slice(0, 16)}`,
      source: 'user_agent',
    };
  }
  return undefined;
}
