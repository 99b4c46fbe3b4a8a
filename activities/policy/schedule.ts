// The schedule engine: from a policy, the calendar and a transfer's facts, every dated obligation
// (with its rule id and seed source), the window, the timed completion, the checklist and the rule
// violations. Pure and deterministic; the workflow reaches it only through a local activity, and the
// API uses it directly for /preview.
import type {
  ChecklistTemplate,
  CompletionHow,
  DeadlineSpec,
  RuleFlag,
  RuleViolation,
  Schedule,
  ScheduleFacts,
  UnitSettings,
} from '../../workflows/definitions';
import type { Calendar, IsoDate, Weekday } from './calendar/calendar';
import { appliesBecause, evaluate, factContext, type FactContext } from './conditions';
import { CHILD_DATE_FACTS, UNIT_SETTINGS } from './schema';
import type { Anchor, BoundRule, DeadlineRule, Duration, Policy, TransferKind } from './types';

type UnitSetting = (typeof UNIT_SETTINGS)[number];
/** Bound subjects that name the day lead responsibility moves: the completion guard checks the completion date against them. */
const COMPLETION_SUBJECTS = new Set(['agreedTransferOn', 'meetingOn', 'windowEnd']);

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Human-facing timed completions happen in the evening so a meeting held that day still counts. */
const DEFAULT_COMPLETION_TIME = '18:00';

export class UnknownKindError extends Error {
  constructor(
    readonly authority: string,
    readonly kind: string,
  ) {
    super(`'${kind}' is not a transfer kind of the ${authority} policy`);
    this.name = 'UnknownKindError';
  }
}

export function findKind(policy: Policy, kindId: string): TransferKind {
  const kind = policy.kinds.find((k) => k.id === kindId && !k.outOfScope);
  if (!kind) throw new UnknownKindError(policy.authority, kindId);
  return kind;
}

/** A date or an instant, as the trigger and anchors may carry either. */
interface Point {
  date: IsoDate;
  instant?: string;
}

export class ScheduleEngine {
  constructor(
    private readonly policy: Policy,
    private readonly calendar: Calendar,
    /** The deployment's unit choices (DOMAIN §10); a transfer keeps those it started with. */
    private readonly deploymentUnits: UnitSettings = {},
  ) {}

  /** The policy's own default for a unit setting (DOMAIN §10), read from its settings. */
  private policyUnit(name: UnitSetting): 'CAL' | 'WD' | undefined {
    const settings = this.policy.settings as Record<string, unknown>;
    const value = name === 'cmhEarlyTransferUnit' ? (settings.cmhEarlyTransfer as { unit?: unknown } | undefined)?.unit : settings[name];
    return value === 'CAL' || value === 'WD' ? value : undefined;
  }

  /** Every unit setting this policy's clocks and bounds read, as this transfer reads them. */
  unitSettings(facts: Pick<ScheduleFacts, 'unitSettings'>): UnitSettings {
    const used = new Set<UnitSetting>();
    for (const d of this.policy.deadlines) if (d.unitSetting) used.add(d.unitSetting);
    for (const b of this.policy.bounds) if (b.check.kind === 'early-transfer' && b.check.unitSetting) used.add(b.check.unitSetting);
    const out: UnitSettings = {};
    for (const name of used) {
      const unit = facts.unitSettings?.[name] ?? this.deploymentUnits[name] ?? this.policyUnit(name);
      if (unit) out[name] = unit;
    }
    return out;
  }

  /** An offset in the unit the setting chose: a count of calendar days or of working days. */
  private inUnit(offset: Duration, name: UnitSetting | undefined, units: UnitSettings): Duration {
    const unit = name ? units[name] : undefined;
    if (unit === 'WD' && offset.unit === 'days') return { unit: 'working-days', n: offset.n };
    if (unit === 'CAL' && offset.unit === 'working-days') return { unit: 'days', n: offset.n };
    return offset;
  }

  compute(facts: ScheduleFacts): Schedule {
    const kind = findKind(this.policy, facts.request.kind);
    const ctx = factContext(this.calendar, facts, kind.id);
    const completed = facts.completedOn !== undefined;
    const units = this.unitSettings(facts);
    const schedule: Schedule = {
      policyVersion: this.policy.policyVersion,
      calendarVersion: this.calendar.version,
      deadlines: [],
      checklist: this.checklist(kind, ctx, facts),
      violations: [],
      warnings: [],
      flags: [],
      unitSettings: units,
    };

    const window = this.window(kind, facts);
    if (window) {
      schedule.window = window;
      schedule.completionTimer = {
        at: this.calendar.atLocalTime(window.endsOn, this.policy.window?.autoCompleteAt ?? DEFAULT_COMPLETION_TIME),
        effectiveOn: window.endsOn,
        how: 'window-end',
      };
    }

    for (const rule of this.policy.deadlines) {
      if (rule.kinds && !rule.kinds.includes(kind.id)) continue;
      if ((rule.phase ?? 'before-completion') === 'after-completion' ? !completed : completed) continue;
      if (rule.when && !evaluate(rule.when, ctx)) continue;
      try {
        schedule.deadlines.push(...this.occurrences({ ...rule, offset: this.inUnit(rule.offset, rule.unitSetting, units) }, facts, window?.endsOn));
      } catch (err) {
        // A clock the calendar data does not reach yet (years ahead) is reported, not fatal.
        if (!(err instanceof RangeError)) throw err;
        schedule.warnings.push({ rule: rule.rule, message: `${rule.what}: not scheduled (${err.message})` });
      }
    }

    const agreed = this.agreedDateCompletion(kind, facts, schedule.deadlines);
    if (agreed && !schedule.completionTimer) schedule.completionTimer = agreed.timer;
    if (agreed?.returnToMeetingAt) schedule.returnToMeetingAt = agreed.returnToMeetingAt;

    const bounds = this.policy.bounds.filter((b) => !b.kinds || b.kinds.includes(kind.id));
    for (const bound of bounds) {
      const v = this.checkBound(bound, facts, ctx, units, window?.endsOn);
      if (!v) continue;
      if (bound.severity === 'flag') {
        schedule.warnings.push(warning(v));
        schedule.flags.push(this.shortfall(bound, v));
      } else if (!(v.overridable && this.approved(v, facts))) schedule.violations.push(v);
    }
    schedule.violations.push(...this.siblingViolations(facts));

    // The one completion guard: the date lead responsibility would move, against every rule on it.
    if (facts.completingOn) {
      schedule.completionViolations = this.completionCheck(bounds, facts, ctx, units, facts.completingOn, window?.endsOn);
    } else if (!completed && kind.completion.includes('trigger-event')) {
      // Start and preview: a kind that moves at its trigger event moves on the planned trigger date.
      const planned = (facts.triggerOccurredOn ?? facts.request.trigger.date).slice(0, 10);
      for (const v of this.completionCheck(bounds, facts, ctx, units, planned, window?.endsOn)) {
        schedule.warnings.push(warning({ ...v, message: `the planned trigger date ${planned} would complete the transfer against a rule: ${v.message}` }));
      }
    }

    const due = this.policy.outstandingItemsDue;
    if (due && facts.completedOn && this.policy.checklistGate.deferOpenItems) {
      const dueOn = this.shift(facts.completedOn, due.within);
      schedule.remediationDueOn = dueOn;
      schedule.remediationDue = this.calendar.breachInstant(dueOn);
    }
    if (facts.remediationLetterOn) {
      const remediation = schedule.deadlines.find((d) => d.metBy === 'remediation-done');
      if (remediation) {
        schedule.remediationDueOn = remediation.dueOn;
        schedule.remediationDue = remediation.due;
      }
    }
    return schedule;
  }

  /** The transfer window: opens on notification, ends on the agreed (or proposed) end. */
  private window(kind: TransferKind, facts: ScheduleFacts): Schedule['window'] {
    const spec = this.policy.window;
    if (!spec || !kind.completion.includes('window-end') || !facts.notifiedOn) return undefined;
    const proposed = this.calendar.lastWorkingDayOnOrBefore(this.shift(facts.notifiedOn, spec.maxLength));
    const agreed = facts.windowEnd ?? proposed;
    return {
      opensOn: facts.notifiedOn,
      endsOn: this.calendar.addDays(agreed, facts.heldDays),
      originalEndsOn: agreed,
    };
  }

  /**
   * A completion on the agreed date, or, where the decision clock completes the transfer, at the
   * end of that clock (with a return to the next meeting if blocking items are open then).
   */
  private agreedDateCompletion(
    kind: TransferKind,
    facts: ScheduleFacts,
    deadlines: DeadlineSpec[],
  ): { timer?: Schedule['completionTimer']; returnToMeetingAt?: Schedule['returnToMeetingAt'] } | undefined {
    if (!kind.completion.includes('agreed-date')) return undefined;
    if (this.policy.checklistGate.decisionClockCompletes) {
      const clock = deadlines.find((d) => d.metBy === 'completion' && this.anchorOf(d.id) === 'decidedOn');
      if (!clock) return undefined;
      const meeting = this.policy.meeting;
      const nextMeetingOn = meeting?.weekday
        ? this.calendar.weekdayAfter(clock.dueOn, meeting.weekday)
        : this.calendar.addDays(clock.dueOn, meeting?.cadenceDays ?? 7);
      // Not done by the end of the last day: on the next morning the case is in the team's queue.
      const timer = { at: clock.due, effectiveOn: this.calendar.toLocalDate(clock.due), how: 'agreed-date' as CompletionHow };
      return { timer, returnToMeetingAt: { at: clock.due, nextMeetingOn } };
    }
    if (!facts.agreedTransferOn) return undefined;
    const on = this.calendar.addDays(facts.agreedTransferOn, facts.heldDays);
    return {
      timer: { at: this.calendar.atLocalTime(on, DEFAULT_COMPLETION_TIME), effectiveOn: on, how: 'agreed-date' },
    };
  }

  private anchorOf(deadlineId: string): Anchor | undefined {
    return this.policy.deadlines.find((d) => d.id === deadlineId)?.anchor;
  }

  /** One deadline, or for a recurring one every occurrence due up to `asOf` and the next. */
  private occurrences(rule: DeadlineRule, facts: ScheduleFacts, windowEnd?: IsoDate): DeadlineSpec[] {
    const first = this.deadline(rule, facts, windowEnd);
    if (!first) return [];
    if (!rule.repeatEvery) return [first];
    const asOf = Date.parse(facts.asOf ?? first.due);
    const out: DeadlineSpec[] = [];
    let dueOn = first.dueOn;
    // Bounded: a recurring obligation older than two years is a data problem, not a schedule.
    for (let k = 1; k <= 104; k++) {
      const due = this.calendar.breachInstant(dueOn);
      out.push({ ...first, id: `${rule.id}-${k}`, due, dueOn, practicalDueOn: this.calendar.lastWorkingDayOnOrBefore(dueOn), repeats: true });
      if (Date.parse(due) > asOf) break;
      dueOn = this.shift(dueOn, rule.repeatEvery);
    }
    return out;
  }

  private deadline(rule: DeadlineRule, facts: ScheduleFacts, windowEnd?: IsoDate): DeadlineSpec | undefined {
    const anchor = this.resolveAnchor(rule.anchor, facts, windowEnd);
    if (!anchor) return undefined;
    const before = rule.direction === 'before';
    let due: string;
    let dueOn: IsoDate;
    if (rule.offset.unit === 'hours') {
      const from = anchor.instant ?? this.calendar.startOfDay(anchor.date);
      due = this.calendar.addHours(from, before ? -rule.offset.n : rule.offset.n);
      dueOn = this.calendar.toLocalDate(due);
    } else {
      dueOn = before ? this.shiftBack(anchor.date, rule.offset) : this.shift(anchor.date, rule.offset);
      const at = rule.at ?? 'end-of-day';
      due =
        at === 'end-of-day'
          ? this.calendar.breachInstant(dueOn)
          : at === 'exact'
            ? this.calendar.startOfDay(dueOn)
            : this.calendar.atLocalTime(dueOn, at);
    }
    // A hold pauses the clocks that run before completion.
    if (facts.heldDays > 0 && (rule.phase ?? 'before-completion') === 'before-completion') {
      dueOn = this.calendar.addDays(dueOn, facts.heldDays);
      due = this.calendar.addHours(due, facts.heldDays * 24);
    }
    const human = rule.metBy !== 'never';
    return {
      id: rule.id,
      what: rule.what,
      due,
      dueOn,
      practicalDueOn: human ? this.calendar.lastWorkingDayOnOrBefore(dueOn) : undefined,
      rule: rule.rule,
      source: rule.source,
      metBy: rule.metBy,
      metByEvent: rule.metByEvent,
      metByItem: rule.metByItem,
      onMissed: rule.onMissed,
      fromDecision: rule.anchor === 'decidedOn' ? true : undefined,
    };
  }

  private resolveAnchor(anchor: Anchor, facts: ScheduleFacts, windowEnd?: IsoDate): Point | undefined {
    const req = facts.request;
    const point = (v: string | undefined): Point | undefined => {
      if (!v) return undefined;
      if (DATE_RE.test(v)) return { date: v };
      return { date: this.calendar.toLocalDate(v), instant: new Date(v).toISOString() };
    };
    if (typeof anchor === 'object') {
      const child = req.children[0];
      if ('birthday' in anchor) return child ? { date: this.calendar.addYears(child.dateOfBirth, anchor.birthday) } : undefined;
      if ('event' in anchor) return point(facts.eventsOn?.[anchor.event] ?? (req.trigger.event === anchor.event ? req.trigger.date : undefined));
      return point(child?.facts?.[anchor.childFact]);
    }
    switch (anchor) {
      case 'decidedOn':
        return facts.awaitingDecision ? undefined : point(facts.decidedOn ?? req.decidedOn);
      case 'notifiedOn':
        return point(facts.notifiedOn);
      case 'trigger':
        return point(facts.triggerOccurredOn ?? req.trigger.date);
      case 'triggerOccurredOn':
        return point(facts.triggerOccurredOn);
      case 'agreedTransferOn':
        return point(facts.agreedTransferOn);
      case 'windowEnd':
        return point(windowEnd ?? facts.windowEnd);
      case 'completedOn':
        return point(facts.completedOn);
      case 'remediationLetterOn':
        return point(facts.remediationLetterOn);
      case 'meetingScheduledOn':
        return point(facts.meetingScheduledOn);
    }
  }

  shift(d: IsoDate, by: Duration): IsoDate {
    const c = this.calendar;
    switch (by.unit) {
      case 'days':
        return c.addDays(d, by.n);
      case 'weeks':
        return c.addWeeks(d, by.n);
      case 'months':
        return c.addMonths(d, by.n);
      case 'years':
        return c.addYears(d, by.n);
      case 'months-and-days':
        return c.addMonthsAndDays(d, by.months, by.days);
      case 'working-days':
        return c.addWorkingDays(d, by.n);
      case 'hours':
        return c.toLocalDate(c.addHours(c.startOfDay(d), by.n));
      case 'next-day':
        return c.nextDay(d);
    }
  }

  private shiftBack(d: IsoDate, by: Duration): IsoDate {
    const c = this.calendar;
    switch (by.unit) {
      case 'working-days':
        return c.subtractWorkingDays(d, by.n);
      case 'days':
      case 'weeks':
      case 'months':
      case 'years':
      case 'hours':
        return this.shift(d, { ...by, n: -by.n } as Duration);
      case 'months-and-days':
        return c.addDays(c.addMonths(d, -by.months), -by.days);
      case 'next-day':
        return c.addDays(d, -1);
    }
  }

  /** What is wrong with completing on `on`: the refusing bounds on the completion date, less those an approved exception waives. */
  private completionCheck(bounds: BoundRule[], facts: ScheduleFacts, ctx: FactContext, units: UnitSettings, on: IsoDate, windowEnd?: IsoDate): RuleViolation[] {
    const out: RuleViolation[] = [];
    for (const bound of bounds) {
      // A booking cut-off is about when a meeting was booked, not the day responsibility moves.
      if (bound.severity !== 'refuse' || !COMPLETION_SUBJECTS.has(bound.check.subject) || bound.check.kind === 'booking-cutoff') continue;
      const v = this.checkBound(bound, facts, ctx, units, windowEnd, on);
      if (v && !(v.overridable && this.approved(v, facts))) out.push({ ...v, field: 'on' });
    }
    return out;
  }

  /** A notice shortfall as a typed flag: how many days (in the rule's unit) short of the notice it needs. */
  private shortfall(bound: BoundRule, v: RuleViolation): RuleFlag {
    const flag: RuleFlag = { type: 'notice-shortfall', rule: v.rule, source: v.source, message: v.message, earliestOn: v.earliestOn, latestOn: v.latestOn };
    const check = bound.check;
    if (check.kind === 'at-least' && v.value && v.earliestOn) {
      const working = check.offset.unit === 'working-days';
      flag.unit = working ? 'working-days' : 'days';
      flag.shortfallDays = working ? this.calendar.workingDaysBetween(v.value.slice(0, 10), v.earliestOn) : this.calendar.daysBetween(v.value.slice(0, 10), v.earliestOn);
    }
    return flag;
  }

  private subjectValue(bound: BoundRule, facts: ScheduleFacts, windowEnd?: IsoDate): { value?: string; field: string } {
    switch (bound.check.subject) {
      case 'windowEnd':
        return { value: facts.windowEnd ?? windowEnd, field: 'windowEnd' };
      case 'trigger':
        return { value: facts.request.trigger.date.slice(0, 10), field: 'trigger.date' };
      case 'agreedTransferOn':
        return { value: facts.agreedTransferOn, field: 'transferOn' };
      case 'meetingOn':
        return { value: facts.meetingScheduledOn, field: 'on' };
    }
  }

  /** A blackout's end (or start): the first child's date fact, moved by its offset. */
  private childFactDate(at: { childFact: (typeof CHILD_DATE_FACTS)[number]; offset?: Duration; direction?: 'before' | 'after' }, facts: ScheduleFacts): IsoDate | undefined {
    const date = facts.request.children.map((c) => c.facts?.[at.childFact]).find(Boolean)?.slice(0, 10);
    if (!date || !at.offset) return date;
    return at.direction === 'before' ? this.shiftBack(date, at.offset) : this.shift(date, at.offset);
  }

  /** One bound against the date its subject names, or against `completingOn` (the completion guard). */
  private checkBound(
    bound: BoundRule,
    facts: ScheduleFacts,
    ctx: FactContext,
    units: UnitSettings,
    windowEnd?: IsoDate,
    completingOn?: IsoDate,
  ): RuleViolation | undefined {
    const subject = this.subjectValue(bound, facts, windowEnd);
    const value = (completingOn ?? subject.value)?.slice(0, 10);
    if (!value) return undefined;
    const check = bound.check;
    const base = { rule: bound.rule, source: bound.source, field: subject.field, overridable: bound.overridable, value };
    if (check.kind === 'blackout') {
      if (!evaluate(check.when, ctx) || (check.liftedByBestInterest && facts.bestInterestAgreed)) return undefined;
      const to = this.childFactDate(check.to, facts);
      const from = 'monthDay' in check.from ? to && `${to.slice(0, 4)}-${check.from.monthDay}` : this.childFactDate(check.from, facts);
      if (!from || !to || value < from || value > to) return undefined;
      const suggestion = this.calendar.firstWorkingDayAfter(to);
      return { ...base, message: `${bound.message} (${from} to ${to}); earliest allowed ${suggestion}`, suggestion, earliestOn: suggestion };
    }
    if (check.kind === 'early-transfer') {
      const until = this.resolveAnchor(check.until, facts, windowEnd);
      if (!until || value >= until.date) return undefined;
      const from = this.resolveAnchor(check.measuredFrom, facts, windowEnd);
      const meeting = facts.meetingHeldOn ?? facts.meetingScheduledOn;
      const latestMeeting = this.shiftBack(until.date, this.inUnit(check.meetingAtLeastBefore, check.unitSetting, units));
      const farEnough = from !== undefined && until.date > this.shift(from.date, check.moreThan);
      const metInTime = meeting !== undefined && meeting <= latestMeeting;
      if (farEnough && metInTime) return undefined;
      const why = !farEnough
        ? `it was not more than ${describe(check.moreThan)} away${from ? ` on ${from.date}` : ' (its start date is not recorded)'}`
        : `the managers' meeting ${meeting ? `on ${meeting}` : 'is not recorded'} is not on or before ${latestMeeting}`;
      return { ...base, message: `${bound.message}: ${value} is before ${until.date} and ${why}`, suggestion: until.date, earliestOn: until.date };
    }
    if (check.kind === 'booking-cutoff') {
      const bookedAt = facts.meetingBookedAt;
      if (!bookedAt || Date.parse(bookedAt) <= Date.parse(this.bookingCutoff(value, check))) return undefined;
      const cadence = this.policy.meeting?.cadenceDays ?? 7;
      let next = this.calendar.addDays(value, cadence);
      while (Date.parse(bookedAt) > Date.parse(this.bookingCutoff(next, check))) next = this.calendar.addDays(next, cadence);
      const closed = this.bookingCutoff(value, check);
      return { ...base, message: `${bound.message}: booking for ${value} closed at ${closed}; the next meeting it can go to is ${next}`, suggestion: next, earliestOn: next };
    }
    const anchor = this.resolveAnchor(check.anchor, facts, windowEnd);
    if (!anchor) {
      // A completion cannot come at least some time after what has not happened (no notice given, no decision made).
      if (!completingOn || check.kind !== 'at-least') return undefined;
      const from = typeof check.anchor === 'string' ? (UNRECORDED[check.anchor] ?? check.anchor) : 'the event it counts from';
      return { ...base, message: `${bound.message}: ${value} cannot be shown to be late enough, as ${from} is not recorded yet` };
    }
    const limit = this.shift(anchor.date, check.offset);
    if (check.kind === 'at-most' && value > limit) {
      return { ...base, message: `${bound.message}: ${value} is after the latest allowed date ${limit}`, suggestion: limit, latestOn: limit };
    }
    if (check.kind === 'at-least' && value < limit) {
      return { ...base, message: `${bound.message}: ${value} is before the earliest allowed date ${limit}`, suggestion: limit, earliestOn: limit };
    }
    return undefined;
  }

  /** When booking closes for a meeting on `meetingOn`: the time on the weekday before it, rolled back to a working day. */
  private bookingCutoff(meetingOn: IsoDate, check: { weekdayBefore: Weekday; at: string }): string {
    const c = this.calendar;
    const day = c.lastWorkingDayOnOrBefore(c.weekdayOnOrAfter(c.addDays(meetingOn, -7), check.weekdayBefore));
    return c.atLocalTime(day, check.at);
  }

  /**
   * An approved two-sided exception waives an overridable latest-date bound, up to the date it
   * approved: it moves the end a transfer may reach, and never shortens the notice a rule requires.
   */
  private approved(v: RuleViolation, facts: ScheduleFacts): boolean {
    if (!facts.windowEndApprovedByException || v.latestOn === undefined) return false;
    return !facts.approvedThrough || !v.value || v.value <= facts.approvedThrough;
  }

  /** INV-7: a sibling left out of the transfer needs a recorded best-interest exemption. */
  private siblingViolations(facts: ScheduleFacts): RuleViolation[] {
    const rule = this.policy.siblingRule ? this.policy.rules.find((r) => r.id === this.policy.siblingRule) : undefined;
    if (!rule) return [];
    const included = new Set(facts.request.children.map((c) => c.ref));
    const out: RuleViolation[] = [];
    facts.request.children.forEach((child, i) => {
      for (const sibling of child.siblingOf ?? []) {
        if (included.has(sibling)) continue;
        const exempt = facts.request.children.some((c) => c.bestInterestExemption && c.siblingOf?.includes(sibling));
        if (exempt) continue;
        out.push({
          rule: rule.id,
          source: rule.source,
          field: `children[${i}].siblingOf`,
          message: `a sibling is not part of this transfer and no best-interest exemption is recorded`,
          overridable: false,
        });
      }
    });
    return out;
  }

  private checklist(kind: TransferKind, ctx: FactContext, facts: ScheduleFacts): ChecklistTemplate[] {
    const blocksByDefault = kind.checklistBlocks ?? this.policy.checklistGate.itemsBlock ?? false;
    const items: ChecklistTemplate[] = this.policy.checklist
      .filter((item) => evaluate(item.appliesWhen, ctx))
      .map((item) => ({
        itemId: item.itemId,
        title: item.title,
        appliesBecause: appliesBecause(item.appliesWhen, item.source),
        blocking: item.blocking ?? blocksByDefault,
      }));
    const tasks = this.policy.agreedTasks ?? { idPrefix: 'agreed-task-', blocking: false, source: this.policy.checklistGate.source };
    for (const task of facts.agreedTasks ?? []) {
      const name = task.startsWith(tasks.idPrefix) ? task.slice(tasks.idPrefix.length) : task;
      items.push({
        itemId: `${tasks.idPrefix}${name}`,
        title: `Agreed task: ${name.replace(/-/g, ' ')}`,
        appliesBecause: `agreed at the ${this.policy.meeting?.name ?? 'allocation meeting'} (${tasks.source})`,
        blocking: tasks.blocking,
      });
    }
    return items;
  }
}

const warning = (v: RuleViolation): Schedule['warnings'][number] => ({ rule: v.rule, message: v.message, earliestOn: v.earliestOn, latestOn: v.latestOn });

/** What an at-least bound's anchor is, in the words of its refusal when it has not happened. */
const UNRECORDED: Partial<Record<string, string>> = { notifiedOn: 'the written notification', decidedOn: 'the transfer decision', trigger: 'the trigger event' };

function describe(d: Duration): string {
  return d.unit === 'months-and-days' ? `${d.months} months and ${d.days} days` : d.unit === 'next-day' ? 'a day' : `${d.n} ${d.unit}`;
}

/** One engine per policy version, built on first use: the API's previews and the activities share this. */
export function scheduleEngines(calendar: Calendar, units: UnitSettings = {}): (policy: Policy) => ScheduleEngine {
  const engines = new WeakMap<Policy, ScheduleEngine>();
  return (policy) => {
    let engine = engines.get(policy);
    if (!engine) engines.set(policy, (engine = new ScheduleEngine(policy, calendar, units)));
    return engine;
  };
}
