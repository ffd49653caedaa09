import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { eventJsonSchemas } from '../../src/events/index.ts';

test('the JSON Schemas in schemas/ match the zod schemas (run `npm run schemas` after a change)', () => {
  for (const [file, schema] of Object.entries(eventJsonSchemas())) {
    const checkedIn: unknown = JSON.parse(
      readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8'),
    );
    assert.deepEqual(checkedIn, schema, `schemas/${file} has drifted`);
  }
});
