import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceKey, resourceNormaliser } from '../../src/enrich/resources.ts';

test('a configured template names every resource of its shape; query, fragment and trailing slash never count', () => {
  const normalise = resourceNormaliser(['/customers/{id}', '/customers/{id}/orders/{order}']);
  assert.equal(normalise('/customers/8812'), '/customers/{id}');
  assert.equal(normalise('/customers/alice-smith/?tab=2#top'), '/customers/{id}');
  assert.equal(normalise('/customers/8812/orders/77'), '/customers/{id}/orders/{order}');
  assert.equal(normalise('/customers'), '/customers');
});

test('without a template, numbers, UUIDs and long hex ids in a path become {id}; words stay', () => {
  const normalise = resourceNormaliser([]);
  assert.equal(normalise('crm/contacts/40007'), 'crm/contacts/{id}');
  assert.equal(normalise('/files/3f2504e0-4f89-11d3-9a0c-0305e82c3301/download'), '/files/{id}/download');
  assert.equal(normalise('/blobs/9f86d081884c7d65'), '/blobs/{id}');
  assert.equal(normalise('/wiki/deadbeefcafe'), '/wiki/deadbeefcafe');
  assert.equal(normalise('/'), '/');
});

test('a resource key is 8 characters, the same for the same family', () => {
  assert.equal(resourceKey('/customers/{id}').length, 8);
  assert.equal(resourceKey('/customers/{id}'), resourceKey('/customers/{id}'));
  assert.notEqual(resourceKey('/customers/{id}'), resourceKey('/orders/{id}'));
});
