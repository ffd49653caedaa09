import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONTRACT_FILES, copyPath, expectedCopy } from '../../packages/client/scripts/copy-contract.ts';

test('the client validates with copies of the v1 contract equal to the originals (npm run client:contract)', () => {
  for (const file of CONTRACT_FILES)
    assert.equal(
      readFileSync(copyPath(file), 'utf8'),
      expectedCopy(file),
      `packages/client/src/contract/${file}`,
    );
});
