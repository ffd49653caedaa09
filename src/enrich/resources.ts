import { createHash } from 'node:crypto';

/**
 * Names a resource by its family, so that the resources a user reaches stay a meaningful, bounded set:
 * `/customers/8812` and `/customers/9120` are one resource, `/customers/{id}`. Configured templates
 * come first (a `{name}` segment stands for any one segment); a resource that matches none keeps its
 * path, with the segments that are plainly ids replaced by `{id}`. Query and fragment never count.
 */
export type ResourceNormaliser = (resource: string) => string;

// Digits, a UUID, or a long run of hex with a digit in it: what an id looks like in a path.
const ID_SEGMENT =
  /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=.*\d)[0-9a-f]{12,})$/i;
const PLACEHOLDER = /^\{[^{}/]*\}$/;

export function resourceNormaliser(patterns: readonly string[]): ResourceNormaliser {
  const templates = patterns.map((pattern) => ({ pattern, segments: pattern.split('/') }));
  return (resource) => {
    const path = resource.replace(/[?#].*$/s, '');
    const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const segments = trimmed.split('/');
    for (const { pattern, segments: wanted } of templates)
      if (
        wanted.length === segments.length &&
        wanted.every((segment, i) => PLACEHOLDER.test(segment) || segment === segments[i])
      )
        return pattern;
    return segments.map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment)).join('/');
  };
}

/**
 * A normalised resource's key in a user's state: short, so a hundred of them stay small, and free of
 * whatever characters the emitter put in the path. 48 bits: two of one user's hundred resources
 * sharing a key is a chance of about 10⁻¹¹.
 */
export const resourceKey = (normalised: string) =>
  createHash('sha256').update(normalised).digest('base64url').slice(0, 8);
