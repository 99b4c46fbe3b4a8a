// The scenarios written beside each loaded policy file (policies/*.scenarios.yaml: the DOMAIN.md §8
// scenarios that are date and rule facts), on their fixed dates, through the same schedule engine
// the workflow's local activity and the API's /preview use. policy:check runs the same files.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadCalendar } from '../../../activities/policy/calendar/calendar';
import { policiesFrom, scenariosFileFor, shippedPolicyDir } from '../../../activities/policy/registry';
import { readScenarioText, runScenarios, type ScenarioFile } from '../../../activities/policy/scenarios';
import type { Policy } from '../../../activities/policy/types';

const calendar = loadCalendar();
const registry = policiesFrom();
const dir = shippedPolicyDir();
const files = registry
  .authorities()
  .flatMap((a) => registry.versions(a))
  .map((p) => ({ authority: `${p.authority} ${p.policyVersion}`, policy: p, file: scenariosFileFor(registry.fileOf(p)!) }));

function scenariosOf(file: string): ScenarioFile {
  const read = readScenarioText(path.basename(file), readFileSync(file, 'utf8'));
  expect(read.problems).toEqual([]);
  return read.scenarios!;
}

describe.each(files)('$authority', ({ policy, file }) => {
  test('has scenarios beside its policy file', () => {
    expect(existsSync(file)).toBe(true);
  });

  const scenarios = existsSync(file) ? scenariosOf(file).scenarios : [];
  test.each(scenarios.map((s) => ({ id: s.id, title: s.title })))('$id: $title', ({ id }) => {
    const [result] = runScenarios(policy, calendar, { authority: policy.authority, scenarios: scenarios.filter((s) => s.id === id) });
    expect(result.failures).toEqual([]);
  });
});

describe('the scenario runner', () => {
  const somerset = registry.inForce('somerset', '2026-12-01');
  const file = scenariosOf(scenariosFileFor(path.join(dir, 'somerset.yaml')));

  /** The Somerset policy with the two-week decision clock (T-SOM-02) changed to `days`. */
  function withDecisionClock(days: number): Policy {
    const copy = structuredClone(somerset);
    for (const d of copy.deadlines) if (d.rule === 'T-SOM-02') d.offset = { unit: 'days', n: days };
    return copy;
  }

  test('catches a changed timescale: SOM-01 and SOM-02 fail with the dates they expected', () => {
    const results = runScenarios(withDecisionClock(15), calendar, file);
    const failed = Object.fromEntries(results.filter((r) => r.failures.length).map((r) => [r.id, r.failures]));
    expect(Object.keys(failed).sort()).toEqual(['SOM-01', 'SOM-02']);
    expect(failed['SOM-01']).toContain('deadlines T-SOM-02.dueOn: expected "2026-12-29", got "2026-12-30"');
  });

  test('refusals must match in number and order', () => {
    const scenario: ScenarioFile = {
      authority: 'somerset',
      scenarios: [
        {
          id: 'X',
          title: 'a re-referral outside three months',
          given: {
            kind: 'som-rereferral',
            trigger: { event: 're-referral', date: '2027-03-01' },
            children: [{ ref: 'R', dateOfBirth: '2015-02-02', legalStatus: 's17', lookedAfter: false, facts: { lastClosedOn: '2026-11-30' } }],
          },
          expect: { refusals: [] },
        },
      ],
    };
    expect(runScenarios(somerset, calendar, scenario)[0].failures).toEqual(['refusals: expected [], got ["T-SOM-06"]']);
  });

  test('refuses a start the API would refuse: a trigger event the kind does not know', () => {
    const scenario: ScenarioFile = {
      authority: 'somerset',
      scenarios: [{ id: 'X', title: 'a misspelt trigger', given: { kind: 'som-rereferral', trigger: { event: 're-refferal', date: '2027-03-01' } }, expect: { refusals: [] } }],
    };
    expect(runScenarios(somerset, calendar, scenario)[0].failures).toEqual([
      expect.stringMatching(/^trigger\.event re-refferal is not a trigger event of a som-rereferral transfer \(one of re-referral\)/),
    ]);
  });

  test('refuses scenarios written for another authority', () => {
    expect(runScenarios(registry.inForce('islington', '2026-12-01'), calendar, file)[0].failures[0]).toMatch(/for somerset/);
  });
});
