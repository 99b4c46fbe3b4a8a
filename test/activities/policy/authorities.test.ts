// Structural checks of the loaded policy files: every loaded policy passes the loader's checks, and
// each one DOMAIN.md describes is checked against it (read at test time, so that a new type,
// checklist item or rule id in the spec fails here until the policy file catches up).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { MANAGER_RANKS, type AuthorityId, type ManagerRank } from '../../../workflows/definitions';
import { checkPolicy, conditionKinds } from '../../../activities/policy/check';
import { NoPolicyInForceError, policiesFrom } from '../../../activities/policy/registry';
import type { Anchor, Policy } from '../../../activities/policy/types';

const registry = policiesFrom();
const TODAY = new Date().toISOString().slice(0, 10);
const LOADED = registry.authorities().map((a) => registry.inForce(a, TODAY));
const POLICIES: Record<AuthorityId, Policy> = Object.fromEntries(LOADED.map((p) => [p.authority, p]));
const findKind = (p: Policy, id: string) => p.kinds.find((k) => k.id === id);

const DOMAIN = readFileSync(path.resolve(__dirname, '../../../../shared/DOMAIN.md'), 'utf8');
const LINES = DOMAIN.split('\n');

/** The text of a section from its heading line to the next heading of the same or a higher level. */
function section(heading: string): string {
  const level = heading.split(' ')[0];
  const start = LINES.findIndex((l) => l.startsWith(heading));
  if (start < 0) throw new Error(`DOMAIN.md has no heading "${heading}"`);
  let end = start + 1;
  while (end < LINES.length) {
    const m = /^(#+) /.exec(LINES[end]);
    if (m && m[1].length <= level.length) break;
    end++;
  }
  return LINES.slice(start + 1, end).join('\n');
}

function all(re: RegExp, text: string): string[] {
  return [...text.matchAll(re)].map((m) => m[1]);
}

interface Spec {
  id: AuthorityId;
  code: Policy['code'];
  n: number;
  seed: string;
  prefix: string;
}
/** Where DOMAIN.md describes each authority it distils; a policy it does not describe is checked generically only. */
const DOMAIN_SPECS: Spec[] = [
  { id: 'islington', code: 'ISL', n: 1, seed: '000', prefix: 'isl-' },
  { id: 'barking-dagenham', code: 'LBBD', n: 2, seed: '001', prefix: 'lbbd-' },
  { id: 'somerset', code: 'SOM', n: 3, seed: '002', prefix: 'som-' },
  { id: 'internal-v11', code: 'UNN', n: 4, seed: '003', prefix: 'unn-' },
  { id: 'southwark', code: 'SWK', n: 5, seed: '004', prefix: 'swk-' },
];
const SPECS = DOMAIN_SPECS.filter((s) => POLICIES[s.id] !== undefined);

function typeIds(s: Spec): string[] {
  return all(/^\|\s*`([a-z0-9-]+)`\s*\|/gm, section(`### 5.${s.n} `));
}
function checklistIds(s: Spec): string[] {
  const kinds = new Set(typeIds(s));
  const ids = all(/`((?:isl|lbbd|som|unn|swk)-[a-z0-9-]+)`/g, section(`### 6.${s.n} `));
  // The som-agreed-task-* family is created at the meeting (dynamic): not part of the static checklist.
  return [...new Set(ids)].filter((id) => !kinds.has(id) && !id.startsWith('som-agreed-task-'));
}
function ruleIds(s: Spec): string[] {
  return all(/^\|\s*(T-[A-Z]+-\d+)\s*\|/gm, section(`### 4.${s.n} `));
}
/** Every §7 rule id (R-…) in the spec. */
const SECTION7_IDS = new Set(all(/\b(R-[A-Z]+(?:-[A-Z0-9]+)+)\b/g, section('## 7. ')));
/** The §7 rule ids that name the authority (e.g. R-SIB-ISL-1, R-CAN-SOM-PWP). */
function section7Ids(s: Spec): string[] {
  return [...SECTION7_IDS].filter((id) => id.split('-').includes(s.code));
}
/** Top-level keys of the authority's block in the §10 YAML, with plain scalar values. */
function settingsBlock(s: Spec): Map<string, string> {
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section('## 10. '))?.[1] ?? '';
  const out = new Map<string, string>();
  let inBlock = false;
  for (const line of yaml.split('\n')) {
    const top = /^([A-Za-z]+):\s*$/.exec(line);
    if (top) {
      inBlock = top[1] === s.code;
      continue;
    }
    const kv = /^ {2}([A-Za-z0-9]+):\s*(.*?)\s*(?:#.*)?$/.exec(line);
    if (inBlock && kv) out.set(kv[1], kv[2]);
  }
  return out;
}

function anchorOk(a: Anchor): boolean {
  if (typeof a === 'string') return true;
  if ('birthday' in a) return Number.isInteger(a.birthday) && a.birthday >= 0 && a.birthday <= 25;
  if ('event' in a) return typeof a.event === 'string';
  return typeof a.childFact === 'string';
}
function dupes(ids: string[]): string[] {
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}
const rank = (r: string): number => (MANAGER_RANKS as readonly string[]).indexOf(r);

const ALLOWED_REASONS = ['CRITERIA_NOT_MET', 'FORUM_DECISION', 'NOT_PERMANENTLY_RESIDENT', 'TRANSFER_IN_DECLINED'];

describe('DOMAIN.md parsing (guards the structural tests below)', () => {
  it('finds the spec tables', () => {
    for (const s of SPECS) {
      expect(typeIds(s).length).toBeGreaterThan(10);
      expect(checklistIds(s).length).toBeGreaterThan(10);
      expect(ruleIds(s).length).toBeGreaterThan(10);
      expect(settingsBlock(s).size).toBeGreaterThan(8);
    }
    expect(typeIds(SPECS[0])).toContain('isl-cin-to-cla');
    expect(checklistIds(SPECS[1])).toContain('lbbd-lt-birth-certificate');
    expect(checklistIds(SPECS[1])).not.toContain('lbbd-transfer-in-cin');
    expect(ruleIds(SPECS[4])).toContain('T-SWK-14');
    expect(section7Ids(SPECS[2])).toEqual(expect.arrayContaining(['R-RR-SOM', 'R-CAN-SOM-PWP', 'R-RES-SOM']));
    expect(section7Ids(SPECS[0])).toContain('R-SIB-ISL-1');
  });
});

describe.each(LOADED.map((p) => ({ authority: p.authority, p })))('loaded policy $authority', ({ p }) => {
  it('passes the loader\'s checks (references, consistency)', () => {
    expect(checkPolicy(p).map((x) => `${x.path}: ${x.message}`)).toEqual([]);
  });

  it('has a unique code and a version in force', () => {
    expect(LOADED.filter((o) => o.code === p.code).map((o) => o.authority)).toEqual([p.authority]);
    expect(p.effectiveFrom <= TODAY).toBe(true);
    expect(registry.policyFor(p.authority, p.policyVersion)).toBe(p);
  });
});

describe('registry', () => {
  it('ships the five authorities DOMAIN.md distils, each under its own id', () => {
    expect(SPECS.map((s) => s.id).sort()).toEqual(DOMAIN_SPECS.map((s) => s.id).sort());
    for (const s of SPECS) {
      expect(POLICIES[s.id].authority).toBe(s.id);
      expect(POLICIES[s.id].code).toBe(s.code);
      expect(POLICIES[s.id].seed.startsWith(`${s.seed}_`)).toBe(true);
      // The version in force is the one its file names.
      const file = registry.fileOf(POLICIES[s.id])!;
      expect(POLICIES[s.id].policyVersion).toBe((YAML.parse(readFileSync(file, 'utf8')) as { policyVersion: string }).policyVersion);
    }
  });

  it('finds versions and kinds, and nothing for an authority it has not loaded', () => {
    expect(registry.inForce('somerset', TODAY)).toBe(POLICIES.somerset);
    expect(registry.has('hackney')).toBe(false);
    expect(registry.has('toString')).toBe(false);
    expect(() => registry.inForce('hackney', TODAY)).toThrow(NoPolicyInForceError);
    expect(registry.policyFor('somerset', '1999-01-01.1')).toBeUndefined();
    expect(findKind(POLICIES.islington, 'isl-cin-to-cla')?.title).toMatch(/CIN|need/i);
    expect(findKind(POLICIES.islington, 'lbbd-cm-to-adoption')).toBeUndefined();
  });
});

describe.each(SPECS)('$code ($id)', (s) => {
  const p = POLICIES[s.id];
  const kindIds = p.kinds.map((k) => k.id);
  const ruleIdSet = new Set(p.rules.map((r) => r.id));

  it('has every §5 type id as a kind, and no kind the spec does not list unless out of scope', () => {
    const spec = typeIds(s);
    expect(spec.filter((id) => !kindIds.includes(id))).toEqual([]);
    const extra = p.kinds.filter((k) => !spec.includes(k.id));
    expect(extra.filter((k) => !k.outOfScope)).toEqual([]);
    expect(kindIds.every((id) => id.startsWith(s.prefix))).toBe(true);
  });

  it('has every §6 checklist item, each once, and no stray item', () => {
    const spec = checklistIds(s);
    const ids = p.checklist.map((c) => c.itemId);
    expect(spec.filter((id) => !ids.includes(id))).toEqual([]);
    expect(ids.filter((id) => !spec.includes(id))).toEqual([]);
    expect(dupes(ids)).toEqual([]);
    for (const c of p.checklist) {
      expect(c.title.length).toBeGreaterThan(3);
      expect(c.section.startsWith(`6.${s.n}`)).toBe(true);
      expect(c.source.startsWith(s.seed)).toBe(true);
    }
  });

  it('lists every §4 rule id in rules, and no T- id that §4 does not have', () => {
    const spec = ruleIds(s);
    expect(spec.filter((id) => !ruleIdSet.has(id))).toEqual([]);
    const tIds = p.rules.map((r) => r.id).filter((id) => id.startsWith('T-'));
    expect(tIds.filter((id) => !spec.includes(id))).toEqual([]);
    // Anything else is a §7 rule of this authority, an explicit product decision, or an escalation
    // the §2 decision tables describe (E-, cited by raisedEscalations).
    expect(p.rules.filter((r) => r.id.startsWith('E-') && r.use !== 'escalation').map((r) => r.id)).toEqual([]);
    const others = p.rules.map((r) => r.id).filter((id) => !id.startsWith('T-') && !id.startsWith('IMPL-') && !id.startsWith('E-'));
    expect(others.filter((id) => !section7Ids(s).includes(id))).toEqual([]);
  });

  it('lists every §7 rule that names the authority', () => {
    expect(section7Ids(s).filter((id) => !ruleIdSet.has(id))).toEqual([]);
  });

  it('lets the engine enforce siblings only where §7.1 says so (ISL, UNN, SWK; warn only in SOM, LBBD)', () => {
    // The schedule engine enforces the policy's siblingRule, a routing rule listed under rules.
    expect(p.siblingRule).toBe({ ISL: 'R-SIB-ISL-1', UNN: 'R-SIB-UNN', SWK: 'R-SIB-SWK-1', LBBD: undefined, SOM: undefined }[s.code]);
    if (p.siblingRule) expect(p.rules.find((r) => r.id === p.siblingRule)?.use).toBe('routing');
  });

  it('has unique ids everywhere', () => {
    expect(dupes(kindIds)).toEqual([]);
    expect(dupes(p.deadlines.map((d) => d.id))).toEqual([]);
    expect(dupes(p.rules.map((r) => r.id))).toEqual([]);
  });

  it('refers only to rules it lists, with a matching use', () => {
    for (const d of p.deadlines) expect({ deadline: d.id, rule: ruleIdSet.has(d.rule) }).toEqual({ deadline: d.id, rule: true });
    for (const b of p.bounds) expect({ bound: b.message, rule: ruleIdSet.has(b.rule) }).toEqual({ bound: b.message, rule: true });
    expect(ruleIdSet.has(p.escalationResponse.rule)).toBe(true);
    if (p.outstandingItemsDue) expect(ruleIdSet.has(p.outstandingItemsDue.rule)).toBe(true);
    if (p.window) expect(ruleIdSet.has(p.window.rule)).toBe(true);

    const clocked = new Set([...p.deadlines.map((d) => d.rule), ...p.bounds.map((b) => b.rule)]);
    for (const r of p.rules) {
      if (r.use === 'deadline') expect({ rule: r.id, hasDeadline: p.deadlines.some((d) => d.rule === r.id) }).toEqual({ rule: r.id, hasDeadline: true });
      const bound = p.bounds.some((b) => b.rule === r.id) || p.window?.meetingApartFromTrigger === r.id;
      if (r.use === 'bound') expect({ rule: r.id, hasBound: bound }).toEqual({ rule: r.id, hasBound: true });
      if (clocked.has(r.id)) expect({ rule: r.id, use: ['deadline', 'bound'].includes(r.use) }).toEqual({ rule: r.id, use: true });
      expect(r.text.length).toBeGreaterThan(10);
    }
  });

  it('names only existing kinds in deadlines, bounds and conditions', () => {
    const refs = [
      ...p.deadlines.flatMap((d) => [...(d.kinds ?? []), ...conditionKinds(d.when)]),
      ...p.bounds.flatMap((b) => [...(b.kinds ?? []), ...(b.check.kind === 'blackout' ? conditionKinds(b.check.when) : [])]),
      ...p.checklist.flatMap((c) => conditionKinds(c.appliesWhen)),
    ];
    expect([...new Set(refs)].filter((k) => !kindIds.includes(k))).toEqual([]);
    const outOfScope = p.kinds.filter((k) => k.outOfScope).map((k) => k.id);
    expect(refs.filter((k) => outOfScope.includes(k))).toEqual([]);
  });

  it('has well-formed deadlines and bounds', () => {
    for (const d of p.deadlines) {
      expect(anchorOk(d.anchor)).toBe(true);
      expect(d.source.startsWith(s.seed)).toBe(true);
      if (d.offset.unit === 'hours') expect(d.at).toBe('exact');
      if (d.at === 'exact') expect(d.offset.unit).toBe('hours');
      if (d.anchor === 'completedOn' || d.anchor === 'remediationLetterOn') expect(d.phase).toBe('after-completion');
      if (d.onMissed.kind === 'escalate') {
        // Someone on the ladder sits at or above the starting rank.
        expect(p.escalationLadder.some((r) => rank(r.rank) >= rank(d.onMissed.kind === 'escalate' ? d.onMissed.fromRank : ''))).toBe(true);
        expect(d.onMissed.reason.length).toBeGreaterThan(10);
      }
    }
    for (const b of p.bounds) {
      expect(b.source.startsWith(s.seed)).toBe(true);
      if (b.check.kind === 'early-transfer') expect(anchorOk(b.check.until) && anchorOk(b.check.measuredFrom)).toBe(true);
      else if (b.check.kind === 'booking-cutoff') expect(p.meeting).toBeDefined();
      else if (b.check.kind !== 'blackout') expect(anchorOk(b.check.anchor)).toBe(true);
    }
  });

  it('describes how every kind completes', () => {
    for (const k of p.kinds) {
      expect(k.completion.length).toBeGreaterThan(0);
      expect(k.source.startsWith(s.seed)).toBe(true);
      const byTrigger = k.completion.includes('trigger-event');
      expect({ kind: k.id, completingTriggers: (k.completingTriggers ?? []).length > 0 }).toEqual({
        kind: k.id,
        completingTriggers: byTrigger,
      });
      for (const t of k.completingTriggers ?? []) expect(k.trigger.events).toContain(t);
      for (const t of k.trigger.events) expect(t).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      if (k.completion.includes('window-end')) expect(p.window).toBeDefined();
      for (const c of k.cancellingOutcomes ?? []) {
        expect(ruleIdSet.has(c.rule) || DOMAIN.includes(`| ${c.rule} |`)).toBe(true);
        expect(c.reason).toMatch(/^[A-Z0-9_]+$/);
      }
    }
  });

  it('keeps capacity and record quality out of the permitted rejection reasons', () => {
    const permitted = p.rejection.permitted.map((r) => r.reason);
    const forbidden = p.rejection.forbidden.map((r) => r.reason);
    expect(forbidden.sort()).toEqual(['CAPACITY', 'RECORD_QUALITY']);
    expect(permitted.every((r) => ALLOWED_REASONS.includes(r))).toBe(true);
    expect(permitted).toContain('CRITERIA_NOT_MET');
    expect(permitted.includes('NOT_PERMANENTLY_RESIDENT')).toBe(s.code === 'SOM');
    expect(permitted.includes('TRANSFER_IN_DECLINED')).toBe(s.code === 'LBBD');
    for (const f of p.rejection.forbidden) {
      expect(f.source.startsWith(s.seed)).toBe(true);
      expect(f.instead).toMatch(new RegExp(s.seed));
    }
  });

  it('maps job titles onto API ranks with an ordered ladder', () => {
    for (const t of p.jobTitles) expect(t.rank === 'social-worker' || rank(t.rank) >= 0).toBe(true);
    const ladder = p.escalationLadder.map((r) => rank(r.rank));
    expect(ladder.every((r, i) => r >= 0 && (i === 0 || r > ladder[i - 1]))).toBe(true);
    const titles = new Map(p.jobTitles.map((t) => [t.title, t.rank]));
    for (const rung of p.escalationLadder) for (const t of rung.titles) expect(titles.get(t)).toBe(rung.rank);
    expect(p.escalationLadder.some((r) => rank(r.rank) >= rank(p.exceptionApproval.minRank))).toBe(true);
  });

  it('carries the §10 settings block', () => {
    const yaml = settingsBlock(s);
    expect(Object.keys(p.settings).sort()).toEqual([...yaml.keys()].sort());
    for (const [key, raw] of yaml) {
      if (/^\d+$/.test(raw)) expect({ key, value: p.settings[key] }).toEqual({ key, value: Number(raw) });
      if (raw === 'true' || raw === 'false') expect({ key, value: p.settings[key] }).toEqual({ key, value: raw === 'true' });
    }
  });

  it('only Islington has a window; checklist gate and ladder follow §6.0 and §2', () => {
    expect(p.window !== undefined).toBe(s.code === 'ISL');
    // DOMAIN §6.0 in general terms: LBBD signs every item off (historic gaps allowed, late sign-off
    // escalated); SOM's agreed tasks block and its decision clock completes; UNN defers open items;
    // ISL and SWK never hold a transfer for its checklist.
    const g = p.checklistGate;
    const gate = {
      itemsBlock: g.itemsBlock ?? false,
      meetingWaits: g.meetingWaitsForBlockingItems ?? false,
      historicGaps: g.historicGaps ?? false,
      signOff: g.signOffEscalation?.fromRank,
      defer: g.deferOpenItems ?? false,
      decisionClock: g.decisionClockCompletes ?? false,
      agreedTasksBlock: p.agreedTasks?.blocking ?? false,
    };
    const none = { itemsBlock: false, meetingWaits: false, historicGaps: false, signOff: undefined, defer: false, decisionClock: false, agreedTasksBlock: false };
    const gates: Record<Policy['code'], typeof gate> = {
      ISL: none,
      LBBD: { ...none, itemsBlock: true, meetingWaits: true, historicGaps: true, signOff: 'head-of-service' },
      SOM: { ...none, meetingWaits: true, decisionClock: true, agreedTasksBlock: true },
      UNN: { ...none, defer: true },
      SWK: none,
    };
    expect(gate).toEqual(gates[s.code]);
  });
});

describe('exception approval matches DOMAIN §2.7', () => {
  const rows = new Map(
    all(/^(\|\s*(?:ISL|LBBD|SOM|UNN|SWK)\s*\|.*)$/gm, section('### 2.7 ')).map((row) => {
      const cells = row.split('|').map((c) => c.trim());
      return [cells[1], { text: cells[2], source: cells[3] }] as const;
    }),
  );
  /** The rank the row names first: SM/AD and service managers, Heads of Service, Operations Managers. */
  function rowRank(text: string): ManagerRank {
    const found = (
      [
        [/SM\/AD|service manager/i, 'service-manager'],
        [/Head of Service/, 'head-of-service'],
        [/\bOMs?\b/, 'service-manager'],
      ] as const
    )
      .map(([re, r]) => ({ at: text.search(re), r }))
      .filter((x) => x.at >= 0)
      .sort((a, b) => a.at - b.at);
    return found[0].r;
  }

  it.each(SPECS)('$code', (s) => {
    const row = rows.get(s.code);
    expect(row).toBeDefined();
    const p = POLICIES[s.id];
    const a = p.exceptionApproval;
    // Every authority needs both sides: two-sided in the seeds (ISL, LBBD), [IMPL] elsewhere.
    expect([...a.sides].sort()).toEqual(['receiving', 'transferring']);
    expect(a.decision).toBe('every-side');
    // No kind of exception has approvers of its own: the matrix row covers every one.
    expect(a.exceptions).toBeUndefined();
    expect(a.minRank).toBe(rowRank(row!.text));
    // Only the "two sides" rows are exception clauses in the seeds; the others are dispute routes read as one.
    if (/two sides/.test(row!.text)) expect(a.source).not.toContain('[IMPL]');
    else expect(a.source).toContain('[IMPL]');
    const firstCitation = row!.source.replace(/[()]/g, '').split(/[,;]/)[0].trim();
    expect(a.source).toContain(firstCitation);
  });
});

describe('values the §8 scenarios depend on', () => {
  const deadline = (a: AuthorityId, rule: string) => POLICIES[a].deadlines.filter((d) => d.rule === rule);
  const bound = (a: AuthorityId, rule: string) => POLICIES[a].bounds.filter((b) => b.rule === rule);

  it('API.md title mapping', () => {
    const titleRank = (a: AuthorityId, t: string) => POLICIES[a].jobTitles.find((j) => j.title === t)?.rank;
    expect(titleRank('barking-dagenham', 'Practice Manager')).toBe('line-manager');
    expect(titleRank('barking-dagenham', 'Group Manager')).toBe('service-manager');
    expect(titleRank('southwark', 'Advanced Practitioner')).toBe('line-manager');
    expect(titleRank('southwark', 'Practice Group Lead')).toBe('team-manager');
    expect(titleRank('somerset', 'Operations Manager')).toBe('service-manager');
  });

  it('ISL window, notice, acknowledgement and return-home cancellation (ISL-01..08)', () => {
    expect(POLICIES.islington.window).toEqual({
      maxLength: { unit: 'days', n: 42 },
      rule: 'T-ISL-04',
      source: '000 §9, §10, §11',
      proposeEnd: 'roll-back-to-working-day',
      meetingRule: 'T-ISL-06',
      meetingApartFromTrigger: 'R-BLK-ISL-SAMEMEETING',
      autoCompleteAt: '18:00',
    });
    const [ack] = deadline('islington', 'T-ISL-07');
    expect(ack).toMatchObject({ anchor: 'notifiedOn', offset: { unit: 'working-days', n: 2 }, metBy: 'acknowledgement' });
    expect(ack.onMissed).toMatchObject({ kind: 'escalate', side: 'receiving', fromRank: 'service-manager' });
    expect(deadline('islington', 'T-ISL-01')[0]).toMatchObject({ anchor: 'decidedOn', offset: { unit: 'next-day' }, metBy: 'notification' });
    expect(bound('islington', 'T-ISL-04')[0]).toMatchObject({ severity: 'refuse', overridable: true });
    expect(bound('islington', 'T-ISL-02')[0]).toMatchObject({ severity: 'flag', check: { kind: 'at-least', subject: 'trigger' } });
    for (const k of ['isl-cin-to-cla', 'isl-cin-to-if-16-17']) {
      expect(findKind(POLICIES.islington, k)?.cancellingOutcomes).toContainEqual({
        outcome: 'return-home-within-12-weeks',
        reason: 'RETURN_HOME_12W',
        rule: 'T-ISL-12',
      });
      expect(findKind(POLICIES.islington, k)?.completion).toEqual(['meeting', 'window-end']);
    }
  });

  it('LBBD allocation, CIN notice, placement order and exam blackout (LBBD-01..07)', () => {
    expect(bound('barking-dagenham', 'T-LBBD-02')[0].kinds).toContain('lbbd-assess-to-cm-cin');
    expect(bound('barking-dagenham', 'T-LBBD-11')[0].check).toMatchObject({ kind: 'at-least', anchor: 'decidedOn', offset: { n: 14 } });
    expect(deadline('barking-dagenham', 'T-LBBD-19')[0]).toMatchObject({ offset: { unit: 'hours', n: 24 }, at: 'exact' });
    expect(deadline('barking-dagenham', 'T-LBBD-20')[0]).toMatchObject({ offset: { unit: 'days', n: 14 }, metBy: 'completion' });
    expect(deadline('barking-dagenham', 'T-LBBD-15')[0]).toMatchObject({
      anchor: { birthday: 16 },
      direction: 'before',
      offset: { unit: 'months', n: 2 },
    });
    expect(bound('barking-dagenham', 'T-LBBD-17')[0].check).toMatchObject({
      kind: 'blackout',
      from: { monthDay: '03-01' },
      to: { childFact: 'lastGcseExamOn' },
      liftedByBestInterest: true,
    });
    expect(POLICIES['barking-dagenham'].escalationResponse.within).toEqual({ unit: 'hours', n: 24 });
  });

  it('SOM two-week clocks and weekly overview (SOM-01, SOM-02)', () => {
    expect(POLICIES.somerset.meeting).toMatchObject({ weekday: 'TUE', cadenceDays: 7 });
    expect(deadline('somerset', 'T-SOM-05')[0].onMissed).toMatchObject({ side: 'receiving', fromRank: 'service-manager' });
    expect(deadline('somerset', 'T-SOM-04')[0]).toMatchObject({
      anchor: 'completedOn',
      offset: { unit: 'days', n: 7 },
      repeatEvery: { unit: 'days', n: 7 },
      phase: 'after-completion',
    });
  });

  it('UNN working-day clocks and deferred items (UNN-01, UNN-04, UNN-08)', () => {
    expect(deadline('internal-v11', 'T-UNN-04')[0]).toMatchObject({ anchor: 'trigger', offset: { unit: 'working-days', n: 10 } });
    expect(deadline('internal-v11', 'T-UNN-08')[0]).toMatchObject({ anchor: 'trigger', offset: { unit: 'working-days', n: 10 } });
    expect(POLICIES['internal-v11'].outstandingItemsDue?.source).toContain('[IMPL]');
  });

  it('SWK notice, CIN review and remediation (SWK-01..05)', () => {
    expect(bound('southwark', 'T-SWK-01')[0]).toMatchObject({ severity: 'refuse', overridable: false });
    expect(deadline('southwark', 'T-SWK-02')[0]).toMatchObject({ anchor: 'notifiedOn', metBy: 'trigger' });
    expect(deadline('southwark', 'T-SWK-05')[0]).toMatchObject({
      anchor: 'remediationLetterOn',
      metBy: 'remediation-done',
      phase: 'after-completion',
      onMissed: { kind: 'escalate', side: 'transferring', fromRank: 'head-of-service' },
    });
    expect(findKind(POLICIES.southwark, 'swk-ai-to-sfs-cin')?.completingTriggers).toEqual(['cin-review']);
  });
});
