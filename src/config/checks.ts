import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseCidr } from '../enrich/networks.ts';

/**
 * Settings that name things outside the schema's reach (a network, a folder), checked when the
 * configuration is loaded: a typo then stops start-up (and fails `vigil config`) with one line naming
 * the variable, instead of a stack trace from whichever stage first uses the value.
 */

/** A network as the classifier takes it: "203.0.113.0/24", "2001:db8::/32", or one address. */
export const cidr = z.string().superRefine((text, context) => {
  try {
    parseCidr(text);
  } catch {
    context.addIssue({
      code: 'custom',
      message: `${JSON.stringify(text)} is not a CIDR such as 203.0.113.0/24`,
    });
  }
});

// geoip-lite falls back from the city files to these two, and cannot start without them.
const GEO_REQUIRED_FILES = ['geoip-country.dat', 'geoip-country6.dat'];

/** A GeoLite2 folder built by geoip-lite's updater. */
export const geoDataFolder = z.string().superRefine((dir, context) => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    context.addIssue({ code: 'custom', message: 'no such folder' });
    return;
  }
  const missing = GEO_REQUIRED_FILES.filter((file) => !existsSync(join(dir, file)));
  if (missing.length)
    context.addIssue({ code: 'custom', message: `not a geoip-lite data folder: no ${missing.join(' or ')}` });
});

/**
 * An Issuer as SSF 1.0 §7.1 defines it: a URL using the https scheme with no query or fragment.
 * Receivers fetch `/.well-known/ssf-configuration` from it and compare it with every token's `iss`.
 */
export const issuerUrl = z.string().superRefine((text, context) => {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || url.protocol !== 'https:' || /[?#]/.test(text))
    context.addIssue({
      code: 'custom',
      message:
        'expected an https URL without query or fragment, such as https://vigil.example.com (SSF 1.0 §7.1)',
    });
});
