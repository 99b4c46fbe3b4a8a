// Policy files as a council owns them: the loader's plain-language errors, versions with effective
// dates, the JSON Schemas editors use, and `npm run policy:check` itself.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import YAML from 'yaml';
import { formatProblem, PolicyFileError, readPolicyText } from '../../../activities/policy/check';
import { isPolicyFile, loadPolicyFolder, NoPolicyInForceError, shippedPolicyDir } from '../../../activities/policy/registry';
import { policyCheck } from '../../../scripts/policy-check';
import { newestShipped, policiesDoc, policyJsonSchemas } from '../../../scripts/policy-generate';
import { loadCalendar } from '../../../activities/policy/calendar/calendar';
import { readScenarioText, runScenarios } from '../../../activities/policy/scenarios';

const root = path.resolve(__dirname, '../../..');
const shipped = shippedPolicyDir();
const somersetText = readFileSync(path.join(shipped, 'somerset.yaml'), 'utf8');
/** The shipped Somerset version and its first day, as the file says. */
const { policyVersion: SOM_VERSION, effectiveFrom: SOM_FROM } = YAML.parse(somersetText) as { policyVersion: string; effectiveFrom: string };
const dayBefore = (d: string) => new Date(Date.parse(`${d}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a file broken on purpose has no useful type
type Raw = any;

/** The Somerset file with `edit` applied to its parsed form (comments are lost, which does not matter here). */
function somersetWith(edit: (p: Raw) => void): string {
  const p = YAML.parse(somersetText);
  edit(p);
  return YAML.stringify(p);
}

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'policies-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('reading a policy file', () => {
  test('names the field, the rule it belongs to and the line, in plain words', () => {
    const text = somersetWith((p) => {
      p.deadlines[0].offset.unit = 'fortnights';
      p.deadlines[1].metBy = 'allocated';
      p.bounds[0].sevrity = 'refuse';
      delete p.escalationResponse.rule;
    });
    const { policy, problems } = readPolicyText('somerset.yaml', text);
    expect(policy).toBeUndefined();
    const lines = problems.map(formatProblem);
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(lines).toEqual(
      expect.arrayContaining([
        `somerset.yaml:${lineOf('unit: fortnights')}:13: deadlines[0].offset.unit [rule T-SOM-02]: must be one of "days", "weeks", "months", "years", "months-and-days", "working-days", "hours", "next-day", not "fortnights"`,
        expect.stringMatching(/^somerset\.yaml:\d+:\d+: deadlines\[1\]\.metBy \[rule T-SOM-05\]: must be one of "notification", .*not "allocated"$/),
        expect.stringMatching(/^somerset\.yaml:\d+:\d+: bounds\[0\] \[rule T-SOM-06\]: unknown field "sevrity" \(check the spelling\)$/),
        expect.stringMatching(/^somerset\.yaml:\d+:\d+: escalationResponse\.rule: is required/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  test('checks what the schema cannot: references to rules and kinds, ladder, forbidden reasons', () => {
    const { problems } = readPolicyText(
      'somerset.yaml',
      somersetWith((p) => {
        p.deadlines[0].rule = 'T-SOM-99';
        p.deadlines[0].kinds = ['som-at-to-sg', 'som-no-such-kind'];
        p.escalationLadder.reverse();
        p.rejection.permitted.push({ reason: 'CAPACITY', source: '002' });
      }),
    );
    const lines = problems.map((p) => `${p.path}${p.rule ? ` [${p.rule}]` : ''}: ${p.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'deadlines[0].rule [T-SOM-99]: cites rule T-SOM-99, which is not listed under rules',
        'deadlines[0].kinds [T-SOM-99]: names kind "som-no-such-kind", which is not one of this policy\'s kinds',
        'rules[1].use [T-SOM-02]: is used as a deadline, but no deadline cites it',
        'escalationLadder[1].rank: the ladder must go up in rank, lowest first',
        'rejection.permitted[2].reason: CAPACITY is never a permitted reason to refuse a transfer (DOMAIN INV-2, INV-3)',
      ]),
    );
    expect(problems.every((p) => p.line! > 0)).toBe(true);
  });

  test('a clock met by a trigger event names the event, so that no other report meets it', () => {
    const { problems } = readPolicyText(
      'somerset.yaml',
      somersetWith((p) => {
        const conference = p.deadlines.find((d: { id: string }) => d.id === 'transfer-in-conference');
        delete conference.metByEvent;
      }),
    );
    expect(problems.map((p) => `${p.path} [${p.rule}]: ${p.message}`)).toEqual([
      expect.stringMatching(/^deadlines\[\d+\]\.metByEvent \[T-SOM-13\]: a clock met by a trigger event must name the event \(metByEvent\)$/),
    ]);
  });

  test('reports YAML syntax errors with their line', () => {
    const { problems } = readPolicyText('x.yaml', 'authority: x\ncode: [unclosed\n');
    expect(problems[0]).toMatchObject({ file: 'x.yaml', message: expect.stringMatching(/^not valid YAML/) });
    expect(problems[0].line).toBeGreaterThan(0);
  });
});

describe('a policy folder', () => {
  function write(name: string, edit: (p: Raw) => void = () => {}) {
    writeFileSync(path.join(tmp, name), somersetWith(edit));
  }

  test('picks the version in force on a day, and keeps every earlier one', () => {
    write('somerset.yaml');
    write('somerset-2027.yaml', (p) => {
      p.policyVersion = '2027-04-01.1';
      p.effectiveFrom = '2027-04-01';
      p.deadlines[0].offset.n = 10;
    });
    const registry = loadPolicyFolder(tmp);
    expect(registry.authorities()).toEqual(['somerset']);
    expect(registry.versions('somerset').map((p) => p.policyVersion)).toEqual([SOM_VERSION, '2027-04-01.1']);
    expect(registry.inForce('somerset', '2027-03-31').policyVersion).toBe(SOM_VERSION);
    expect(registry.inForce('somerset', '2027-04-01').policyVersion).toBe('2027-04-01.1');
    expect(registry.policyFor('somerset', SOM_VERSION)?.deadlines[0].offset).toEqual({ unit: 'days', n: 14 });
    expect(() => registry.inForce('somerset', dayBefore(SOM_FROM))).toThrow(NoPolicyInForceError);
  });

  test('refuses two files with the same version or the same effective date, and one code for two authorities', () => {
    write('a.yaml');
    write('b.yaml');
    expect(() => loadPolicyFolder(tmp)).toThrow(`somerset version ${SOM_VERSION} is loaded twice`);
    write('b.yaml', (p) => (p.policyVersion = `${SOM_VERSION.split('.')[0]}.99`));
    expect(() => loadPolicyFolder(tmp)).toThrow(`two somerset versions take effect on ${SOM_FROM}`);
    write('b.yaml', (p) => (p.authority = 'somerset-west'));
    expect(() => loadPolicyFolder(tmp)).toThrow(/code SOM is already used by somerset/);
  });

  test('lists every problem of every file before refusing to start', () => {
    write('a.yaml', (p) => (p.deadlines[0].rule = 'T-SOM-99'));
    write('b.yaml', (p) => {
      p.authority = 'other';
      p.code = 'OTH';
      p.kinds = [];
    });
    try {
      loadPolicyFolder(tmp);
      throw new Error('loaded');
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyFileError);
      expect((err as PolicyFileError).problems.map((p) => `${p.file} ${p.path}`)).toEqual(['a.yaml deadlines[0].rule', 'a.yaml rules[1].use', 'b.yaml kinds']);
    }
  });
});

describe('JSON Schemas for editors', () => {
  test('the committed schemas are the ones generated from the zod schemas (npm run policy:generate)', () => {
    for (const [name, schema] of Object.entries(policyJsonSchemas())) {
      expect(JSON.parse(readFileSync(path.join(shipped, name), 'utf8'))).toEqual(schema);
    }
  });

  test('an independent validator accepts every shipped file and rejects a misspelt field', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const policy = ajv.compile(JSON.parse(readFileSync(path.join(shipped, 'policy.schema.json'), 'utf8')));
    const scenarios = ajv.compile(JSON.parse(readFileSync(path.join(shipped, 'scenarios.schema.json'), 'utf8')));
    const names = readdirSync(shipped).filter((n) => n.endsWith('.yaml'));
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const validate = isPolicyFile(name) ? policy : scenarios;
      expect({ name, ok: validate(YAML.parse(readFileSync(path.join(shipped, name), 'utf8'))), errors: validate.errors ?? null }).toEqual({
        name,
        ok: true,
        errors: null,
      });
    }
    expect(policy(YAML.parse(somersetWith((p) => (p.deadlines[0].ofset = p.deadlines[0].offset))))).toBe(false);
  });
});

describe('npm run policy:check', () => {
  test('passes the shipped files with their scenarios', () => {
    const files = readdirSync(shipped).filter(isPolicyFile).map((n) => path.join(shipped, n));
    const report = policyCheck(files);
    expect(report.lines.filter((l) => /INVALID|FAIL|no scenarios/.test(l))).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.lines.filter((l) => /^ {2}pass /.test(l)).length).toBeGreaterThanOrEqual(20);
  });

  test('fails a file whose changed timescale breaks its own scenarios, naming the scenario and the date', () => {
    write();
    copyFileSync(path.join(shipped, 'somerset.scenarios.yaml'), path.join(tmp, 'somerset.scenarios.yaml'));
    const report = policyCheck([path.join(tmp, 'somerset.yaml')]);
    expect(report.ok).toBe(false);
    expect(report.lines).toContainEqual(expect.stringMatching(/^ {2}FAIL SOM-01:/));
    expect(report.lines).toContain('       deadlines T-SOM-02.dueOn: expected "2026-12-29", got "2026-12-30"');

    function write() {
      writeFileSync(path.join(tmp, 'somerset.yaml'), somersetWith((p) => (p.deadlines[0].offset.n = 15)));
    }
  });

  test('the command rejects a broken file with the rule and the field, and exits 1', async () => {
    const file = path.join(tmp, 'somerset.yaml');
    writeFileSync(file, somersetWith((p) => (p.deadlines[0].offset.unit = 'fortnights')));
    const run = promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/policy-check.ts', file], { cwd: root });
    const failure = (await run.then(() => undefined, (err: unknown) => err)) as { code: number; stdout: string } | undefined;
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain(`${file}: INVALID, 1 problem:`);
    expect(failure?.stdout).toMatch(/deadlines\[0\]\.offset\.unit \[rule T-SOM-02\]: must be one of .*not "fortnights"/);
  }, 60_000);
});

describe('docs/policies.md', () => {
  const doc = readFileSync(path.join(root, 'docs', 'policies.md'), 'utf8');

  test('its worked example is a valid policy whose scenarios hold', () => {
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    const policyText = blocks.find((b) => /^policyVersion:/m.test(b))!;
    const scenarioText = blocks.find((b) => /^scenarios:/m.test(b))!;
    const { policy, problems } = readPolicyText('north-shire.yaml', policyText);
    expect(problems.map(formatProblem)).toEqual([]);
    const scenarios = readScenarioText('north-shire.scenarios.yaml', scenarioText);
    expect(scenarios.problems).toEqual([]);
    const results = runScenarios(policy!, loadCalendar(), scenarios.scenarios!);
    expect(results.map((r) => [r.id, r.failures])).toEqual([['NSH-01', []]]);
  });

  test('lists the event names of every kind of the shipped policies (npm run policy:generate)', () => {
    expect(doc).toBe(policiesDoc(doc, newestShipped()));
    for (const p of newestShipped()) for (const k of p.kinds.filter((x) => !x.outOfScope)) expect(doc).toContain(`| \`${k.id}\` |`);
  });
});
