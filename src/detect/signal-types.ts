/** Every signal Vigil raises; its own module so the command schema names them without the detectors. */
export const SIGNAL_TYPES = [
  'impossible_travel',
  'new_device',
  'new_country',
  'bulk_download',
  'brute_force',
  'mfa_fatigue',
  'password_spray',
  'unusual_request_rate',
  'resource_exploration',
  'confirmed_compromise',
] as const;
