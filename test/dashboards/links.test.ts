import assert from 'node:assert/strict';
import { test } from 'node:test';
import { investigationUrl } from '../../src/dashboards/links.ts';

test('an investigation link opens the user dashboard on the user, from a day before to an hour after', () => {
  assert.equal(
    investigationUrl('https://kibana.example/', 'dave', '2026-03-19T09:45:00.000Z'),
    'https://kibana.example/app/dashboards#/view/vigil-user-investigation' +
      "?_g=(time:(from:'2026-03-18T09:45:00.000Z',to:'2026-03-19T10:45:00.000Z'))" +
      "&_a=(query:(language:kuery,query:'user.id:%22dave%22'))",
  );
});

test("a user id with quotes and rison's escape character stays one KQL string", () => {
  const url = investigationUrl('https://kibana.example', `o'brien!"x`, '2026-03-19T09:45:00.000Z');
  assert.ok(url.endsWith(`query:'user.id:%22o!'brien!!%5C%22x%22'))`), url);
});
