// The activities answer for the version a transfer names (a loaded version, by its number),
// and otherwise for the version in force today.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { createActivities } from '../../../activities';
import { loadPolicyFolder, shippedPolicyDir } from '../../../activities/policy/registry';
import { londonToday, plusDays, protocolTransfer } from '../../support/fixtures';

const today = londonToday();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'policies-'));
  const text = readFileSync(path.join(shippedPolicyDir(), 'somerset.yaml'), 'utf8');
  const write = (name: string, version: string, from: string, days: number, escalationDays: number) => {
    const p = YAML.parse(text);
    Object.assign(p, { policyVersion: version, effectiveFrom: from });
    for (const d of p.deadlines) if (d.rule === 'T-SOM-02') d.offset.n = days;
    p.escalationResponse.within.n = escalationDays;
    writeFileSync(path.join(dir, name), YAML.stringify(p));
  };
  write('old.yaml', '2026-01-01.1', '2026-01-01', 14, 2);
  write('new.yaml', `${today}.1`, today, 10, 3);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('schedule, digest and escalation follow the named version, else the one in force', async () => {
  const activities = createActivities({ policies: loadPolicyFolder(dir), audit: () => undefined, mail: undefined, webhook: undefined });
  const facts = { request: protocolTransfer('somerset', 'som-at-to-sg', { event: 'icpc', date: plusDays(today, 3) }), decidedOn: today, heldDays: 0 };
  const due = (s: { deadlines: { rule: string; dueOn: string }[] }) => s.deadlines.find((d) => d.rule === 'T-SOM-02')?.dueOn;

  const current = await activities.computeSchedule(facts);
  expect([current.policyVersion, due(current)]).toEqual([`${today}.1`, plusDays(today, 10)]);
  const pinned = await activities.computeSchedule({ ...facts, policyVersion: '2026-01-01.1' });
  expect([pinned.policyVersion, due(pinned)]).toEqual(['2026-01-01.1', plusDays(today, 14)]);

  // The start pins a version and computes its first schedule under that same version.
  const first = (policyVersion?: string) => activities.firstSchedule({ authority: 'somerset', kind: 'som-at-to-sg', facts, policyVersion });
  const startedOld = await first('2026-01-01.1');
  expect([startedOld.digest.policyVersion, startedOld.schedule.policyVersion, due(startedOld.schedule)]).toEqual(['2026-01-01.1', '2026-01-01.1', plusDays(today, 14)]);
  const startedNew = await first();
  expect([startedNew.digest.policyVersion, startedNew.schedule.policyVersion, due(startedNew.schedule)]).toEqual([`${today}.1`, `${today}.1`, plusDays(today, 10)]);

  const raisedAt = '2027-03-01T10:00:00.000Z'; // a Monday
  expect(await activities.escalationRespondBy({ authority: 'somerset', raisedAt, policyVersion: '2026-01-01.1' })).toBe('2027-03-04T00:00:00.000Z');
  expect(await activities.escalationRespondBy({ authority: 'somerset', raisedAt })).toBe('2027-03-05T00:00:00.000Z');

  await expect(activities.computeSchedule({ ...facts, policyVersion: '1999-01-01.1' })).rejects.toThrow(/No somerset policy version 1999-01-01.1/);
});
