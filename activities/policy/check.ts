// Reading one policy file and saying, in plain words, what is wrong with it: which rule, what, where.
// The schema (schema.ts) catches shape errors; the checks here catch what a schema cannot say, such
// as a deadline citing a rule the file does not list or a clock naming a kind that does not exist.
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { MANAGER_RANKS } from '../../workflows/definitions';
import { policySchema, type Condition, type Policy } from './schema';
import type { Duration } from './types';

export interface PolicyProblem {
  file: string;
  /** Path inside the file, e.g. `deadlines[3].offset.unit`. */
  path: string;
  /** The protocol rule the offending part belongs to, e.g. `T-SOM-13`, when it has one. */
  rule?: string;
  /** 1-based line and column in the file, when known. */
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(p: PolicyProblem): string {
  const at = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  const rule = p.rule ? ` [rule ${p.rule}]` : '';
  return `${at}: ${p.path || '(file)'}${rule}: ${p.message}`;
}

export class PolicyFileError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(`Invalid policy file(s):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'PolicyFileError';
  }
}

type Segment = string | number;

function pathText(path: readonly Segment[]): string {
  return path.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s ? `${s}.${seg}` : seg), '');
}

/** The rule id of the list entry a path points into (a deadline, bound, rule or kind). */
function ruleAt(raw: unknown, path: readonly Segment[]): string | undefined {
  let node: unknown = raw;
  let found: string | undefined;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') break;
    node = (node as Record<string | number, unknown>)[seg];
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      const r = (node as Record<string, unknown>).rule ?? (node as Record<string, unknown>).id;
      if (typeof r === 'string' && /^[A-Z][A-Z0-9]*-/.test(r)) found = r;
    }
  }
  return found;
}

function position(doc: Document, lines: LineCounter, path: readonly Segment[]): { line?: number; column?: number } {
  // The deepest node that exists: a missing field is reported where its parent is.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return {};
}

function valueAt(raw: unknown, path: readonly Segment[]): unknown {
  let node = raw;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

function plain(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? `is required (${issue.expected})` : `must be ${issue.expected}, not ${describeValue(value)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`;
    case 'invalid_value':
      return value === undefined
        ? `is required: one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, not ${describeValue(value)}`;
    case 'invalid_union': {
      // A discriminated union names its tag field last in the path (e.g. `offset.unit`).
      const options = /Expected (.*)$/.exec(issue.message)?.[1];
      if (options) return `must be one of ${options.replace(/'/g, '"').split(' | ').join(', ')}, not ${describeValue(value)}`;
      return `does not match any allowed form (${issue.message})`;
    }
    default:
      return issue.message;
  }
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s && s.length > 40 ? `${s.slice(0, 37)}...` : (s ?? String(v));
}

/**
 * Zod reports a failed union once with every branch's issues; keep the branch that got furthest,
 * and of those the one whose fields the file used (no unknown field), with the fewest problems.
 */
function flatten(issues: readonly z.core.$ZodIssue[], base: readonly Segment[] = []): { path: Segment[]; issue: z.core.$ZodIssue }[] {
  const out: { path: Segment[]; issue: z.core.$ZodIssue }[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as Segment[])];
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const unknown = (e: readonly z.core.$ZodIssue[]) => e.filter((i) => i.code === 'unrecognized_keys').length;
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a) || unknown(a) - unknown(b) || a.length - b.length)[0];
      if (depth(best) > 0) {
        out.push(...flatten(best, path));
        continue;
      }
    }
    out.push({ path, issue });
  }
  return out;
}
function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

/** Parses and validates one policy file's text; `policy` is set only when there are no problems. */
export function readPolicyText(file: string, text: string): { policy?: Policy; problems: PolicyProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { file, path: '', line, column: col, message: `not valid YAML: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const raw = doc.toJS() as unknown;
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    return {
      problems: flatten(parsed.error.issues).map(({ path, issue }) => ({
        file,
        path: pathText(path),
        rule: ruleAt(raw, path),
        ...position(doc, lines, path),
        message: plain(issue, valueAt(raw, path)),
      })),
    };
  }
  const problems = checkPolicy(parsed.data).map((p) => ({ file, ...p, ...position(doc, lines, p.segments) }));
  for (const p of problems) delete (p as { segments?: unknown }).segments;
  return problems.length ? { problems } : { policy: parsed.data, problems: [] };
}

/** Every transfer kind a condition names, however deeply nested. */
export function conditionKinds(c: Condition | undefined): string[] {
  if (c === undefined || typeof c === 'string') return [];
  if ('kind' in c) return c.kind;
  if ('allOf' in c) return c.allOf.flatMap(conditionKinds);
  if ('anyOf' in c) return c.anyOf.flatMap(conditionKinds);
  if ('not' in c) return conditionKinds(c.not);
  return [];
}

const rank = (r: string): number => (MANAGER_RANKS as readonly string[]).indexOf(r);
/** DOMAIN INV-2, INV-3: capacity and record quality are never reasons to refuse a transfer. */
const NEVER_PERMITTED = ['CAPACITY', 'RECORD_QUALITY'];

/** What a schema cannot express: references between parts of the file, and consistency. */
export function checkPolicy(p: Policy): (Omit<PolicyProblem, 'file'> & { segments: Segment[] })[] {
  const out: (Omit<PolicyProblem, 'file'> & { segments: Segment[] })[] = [];
  const problem = (segments: Segment[], message: string, rule?: string) => out.push({ path: pathText(segments), segments, rule, message });
  const ruleIds = new Set(p.rules.map((r) => r.id));
  const kindIds = new Set(p.kinds.map((k) => k.id));
  const inScope = new Set(p.kinds.filter((k) => !k.outOfScope).map((k) => k.id));
  const itemIds = new Set(p.checklist.map((c) => c.itemId));

  const unique = (list: string[], what: string, at: string) =>
    list.forEach((id, i) => {
      if (list.indexOf(id) !== i) problem([at, i], `${what} "${id}" appears more than once`);
    });
  unique(p.kinds.map((k) => k.id), 'kind', 'kinds');
  unique(p.deadlines.map((d) => d.id), 'deadline id', 'deadlines');
  unique(p.checklist.map((c) => c.itemId), 'checklist item', 'checklist');
  unique(p.rules.map((r) => r.id), 'rule', 'rules');

  const cites = (segments: Segment[], rule: string) => {
    if (!ruleIds.has(rule)) problem(segments, `cites rule ${rule}, which is not listed under rules`, rule);
  };
  const kindRefs = (segments: Segment[], kinds: string[], rule?: string) => {
    for (const k of kinds) {
      const exists = k.endsWith('*') ? [...inScope].some((id) => id.startsWith(k.slice(0, -1))) : inScope.has(k);
      if (!exists) {
        problem(segments, kindIds.has(k) ? `names kind "${k}", which is marked out of scope` : `names kind "${k}", which is not one of this policy's kinds`, rule);
      }
    }
  };

  p.deadlines.forEach((d, i) => {
    const at: Segment[] = ['deadlines', i];
    cites([...at, 'rule'], d.rule);
    kindRefs([...at, 'kinds'], [...(d.kinds ?? []), ...conditionKinds(d.when)], d.rule);
    if (d.offset.unit === 'hours' && d.at !== 'exact') problem([...at, 'at'], 'a clock in hours must say at: exact', d.rule);
    if (d.at === 'exact' && d.offset.unit !== 'hours') problem([...at, 'at'], 'at: exact is only for clocks in hours', d.rule);
    if ((d.anchor === 'completedOn' || d.anchor === 'remediationLetterOn') && d.phase !== 'after-completion') {
      problem([...at, 'phase'], `a clock counted from ${d.anchor} runs after completion: set phase: after-completion`, d.rule);
    }
    if (d.metByEvent && d.metBy !== 'trigger') problem([...at, 'metByEvent'], 'metByEvent only applies with metBy: trigger', d.rule);
    // Else any event reported on the trigger endpoint (a network meeting, a request) would meet it.
    if (d.metBy === 'trigger' && !d.metByEvent) problem([...at, 'metByEvent'], 'a clock met by a trigger event must name the event (metByEvent)', d.rule);
    if (d.metBy === 'checklist-item' && !itemIds.has(d.metByItem ?? '')) {
      problem([...at, 'metByItem'], `is met by checklist item "${d.metByItem ?? ''}", which the checklist does not have`, d.rule);
    }
    if (d.metByItem && d.metBy !== 'checklist-item') problem([...at, 'metByItem'], 'metByItem only applies with metBy: checklist-item', d.rule);
    if (d.onMissed.kind === 'escalate' || d.onMissed.kind === 'task') {
      const from = rank(d.onMissed.fromRank);
      if (!p.escalationLadder.some((r) => rank(r.rank) >= from)) {
        problem([...at, 'onMissed', 'fromRank'], `escalates from ${d.onMissed.fromRank}, but no rung of the escalation ladder is that senior`, d.rule);
      }
    }
  });
  type FactDate = { childFact: string; offset?: Duration; direction?: 'before' | 'after' };
  // Days from the fact, where the unit allows a comparison: after is later, before earlier.
  const fromFact = (d: FactDate) => (!d.offset ? 0 : (d.direction === 'before' ? -1 : 1) * ('n' in d.offset ? d.offset.n : 1));
  const blackoutRange = (from: FactDate | { monthDay: string }, to: FactDate, at: Segment[], rule: string) => {
    for (const [end, d] of [['from', from], ['to', to]] as const) {
      if ('childFact' in d && d.direction && !d.offset) problem([...at, end, 'direction'], 'direction only applies with an offset', rule);
    }
    if (!('childFact' in from) || from.childFact !== to.childFact) return;
    const [a, b] = [fromFact(from), fromFact(to)];
    const sameUnit = !from.offset || !to.offset || from.offset.unit === to.offset.unit;
    if (sameUnit ? a > b : Math.sign(a) > Math.sign(b)) {
      problem([...at, 'from'], `the blackout would start after it ends: both count from ${to.childFact}, and the start is the later`, rule);
    }
  };
  p.bounds.forEach((b, i) => {
    const at: Segment[] = ['bounds', i];
    cites([...at, 'rule'], b.rule);
    kindRefs([...at, 'kinds'], [...(b.kinds ?? []), ...(b.check.kind === 'blackout' ? conditionKinds(b.check.when) : [])], b.rule);
    if (b.check.kind === 'blackout') blackoutRange(b.check.from, b.check.to, [...at, 'check'], b.rule);
  });
  p.checklist.forEach((c, i) => kindRefs(['checklist', i, 'appliesWhen'], conditionKinds(c.appliesWhen)));
  cites(['escalationResponse', 'rule'], p.escalationResponse.rule);
  (p.raisedEscalations ?? []).forEach((r, i) => {
    const at: Segment[] = ['raisedEscalations', i];
    cites([...at, 'rule'], r.rule);
    kindRefs([...at, 'kinds'], r.kinds ?? [], r.rule);
    if (p.raisedEscalations!.findIndex((x) => x.reason === r.reason) !== i) problem([...at, 'reason'], `"${r.reason}" is listed twice`, r.rule);
    if (!p.escalationLadder.some((rung) => rank(rung.rank) >= rank(r.fromRank))) {
      problem([...at, 'fromRank'], `goes to ${r.fromRank}, but no rung of the escalation ladder is that senior`, r.rule);
    }
  });
  if (p.outstandingItemsDue) cites(['outstandingItemsDue', 'rule'], p.outstandingItemsDue.rule);
  if (p.window) cites(['window', 'rule'], p.window.rule);
  if (p.window?.meetingRule) cites(['window', 'meetingRule'], p.window.meetingRule);
  if (p.window?.meetingApartFromTrigger) cites(['window', 'meetingApartFromTrigger'], p.window.meetingApartFromTrigger);
  p.bounds.forEach((b, i) => {
    if (b.check.kind === 'booking-cutoff' && !p.meeting) problem(['bounds', i, 'check'], 'a booking cut-off needs the policy meeting (its cadence gives the next meeting)', b.rule);
  });
  if (p.siblingRule) cites(['siblingRule'], p.siblingRule);
  const raised = (segments: Segment[], e: { fromRank: string } | undefined) => {
    if (e && !p.escalationLadder.some((r) => rank(r.rank) >= rank(e.fromRank))) {
      problem([...segments, 'fromRank'], `escalates from ${e.fromRank}, but no rung of the escalation ladder is that senior`);
    }
  };
  raised(['checklistGate', 'signOffEscalation'], p.checklistGate.signOffEscalation);
  raised(['queueEscalation'], p.queueEscalation);
  if (p.checklistGate.deferOpenItems && !p.outstandingItemsDue) {
    problem(['checklistGate', 'deferOpenItems'], 'defers open items, so the policy needs outstandingItemsDue (when they fall due)');
  }
  if (p.checklistGate.decisionClockCompletes) {
    const clock = p.deadlines.some((d) => d.metBy === 'completion' && d.anchor === 'decidedOn');
    if (!clock) problem(['checklistGate', 'decisionClockCompletes'], 'needs a deadline met by completion and counted from decidedOn (the decision clock)');
  }

  p.rules.forEach((r, i) => {
    if (r.use === 'deadline' && !p.deadlines.some((d) => d.rule === r.id)) {
      problem(['rules', i, 'use'], 'is used as a deadline, but no deadline cites it', r.id);
    }
    if (r.use === 'bound' && !p.bounds.some((b) => b.rule === r.id) && p.window?.meetingApartFromTrigger !== r.id) problem(['rules', i, 'use'], 'is used as a bound, but no bound cites it', r.id);
    if (r.use === 'escalation' && !(p.raisedEscalations ?? []).some((e) => e.rule === r.id)) {
      problem(['rules', i, 'use'], 'is used as an escalation, but no raised escalation cites it', r.id);
    }
    // A routing rule says whether the service enforces it, and how or why not (issue 9).
    if (r.use === 'routing' && r.automated === undefined) problem(['rules', i, 'automated'], 'a routing rule must say whether the service enforces it (automated)', r.id);
    if (r.use === 'routing' && !r.how) problem(['rules', i, 'how'], 'a routing rule must say how the service enforces it, or why it cannot (how)', r.id);
    if (r.use !== 'routing' && (r.automated !== undefined || r.how)) problem(['rules', i, 'automated'], 'automated and how are for routing rules', r.id);
    const clocked = p.deadlines.some((d) => d.rule === r.id) || p.bounds.some((b) => b.rule === r.id);
    if (clocked && r.use !== 'deadline' && r.use !== 'bound') {
      problem(['rules', i, 'use'], `a deadline or bound cites it, so its use must be deadline or bound, not ${r.use}`, r.id);
    }
  });

  p.kinds.forEach((k, i) => {
    const at: Segment[] = ['kinds', i];
    const byTrigger = k.completion.includes('trigger-event');
    const completing = k.completingTriggers ?? [];
    if (byTrigger && completing.length === 0) problem([...at, 'completingTriggers'], 'completes on a trigger event, so it must list completingTriggers');
    if (!byTrigger && completing.length > 0) problem([...at, 'completingTriggers'], 'lists completingTriggers but its completion does not include trigger-event');
    for (const t of completing) {
      if (!k.trigger.events.includes(t)) problem([...at, 'completingTriggers'], `"${t}" is not one of the kind's trigger events`);
    }
    if (k.completion.includes('window-end') && !p.window) problem([...at, 'completion'], 'completes at the window end, but the policy has no window');
    if (k.completion.includes('manual') && !k.outOfScope && !p.manualCompletion) {
      problem([...at, 'completion'], 'completes manually, so the policy must say who may (manualCompletion)');
    }
    if (k.blockedUntil?.by === 'checklist-item' && !itemIds.has(k.blockedUntil.itemId ?? '')) {
      problem([...at, 'blockedUntil', 'itemId'], `waits for checklist item "${k.blockedUntil.itemId ?? ''}", which the checklist does not have`, k.blockedUntil.rule);
    }
    (k.cancellingOutcomes ?? []).forEach((c, j) => cites([...at, 'cancellingOutcomes', j, 'rule'], c.rule));
  });

  p.rejection.permitted.forEach((r, i) => {
    if (NEVER_PERMITTED.includes(r.reason)) {
      problem(['rejection', 'permitted', i, 'reason'], `${r.reason} is never a permitted reason to refuse a transfer (DOMAIN INV-2, INV-3)`);
    }
  });

  const titles = new Map(p.jobTitles.map((t) => [t.title, t.rank]));
  p.escalationLadder.forEach((rung, i) => {
    if (i > 0 && rank(rung.rank) <= rank(p.escalationLadder[i - 1].rank)) {
      problem(['escalationLadder', i, 'rank'], 'the ladder must go up in rank, lowest first');
    }
    rung.titles.forEach((t, j) => {
      if (titles.get(t) !== rung.rank) problem(['escalationLadder', i, 'titles', j], `"${t}" is not a job title of rank ${rung.rank} under jobTitles`);
    });
  });
  const approvers: [(string | number)[], { minRank: string }][] = [
    [['exceptionApproval'], p.exceptionApproval],
    ...Object.entries(p.exceptionApproval.exceptions ?? {}).map(([k, a]): [(string | number)[], { minRank: string }] => [['exceptionApproval', 'exceptions', k], a]),
  ];
  for (const [at, a] of approvers) {
    if (!p.escalationLadder.some((r) => rank(r.rank) >= rank(a.minRank))) problem([...at, 'minRank'], `no rung of the escalation ladder is ${a.minRank} or above`);
  }
  return out;
}
