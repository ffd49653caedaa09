/**
 * Text that came from events (a user id, a parser quoting a bad line) as it may be shown on a
 * terminal. Control characters could move the cursor, rewrite earlier lines or retitle the window,
 * and bidirectional overrides could make a line read otherwise than it is; each is written as a
 * JSON-style escape (`\u001b`), as the NDJSON output already writes control characters.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
