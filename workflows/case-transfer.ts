// One durable workflow per case transfer. It holds the transfer's state, applies the human events
// (as signals or updates, through one transition function each), and fires the clocks the
// schedule gives it: deadlines, escalation rungs, auto-completion and the return to the meeting.
// Every date calculation happens in the schedule engine, reached through local activities.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  type SignalDefinition,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  COMPLETED_STATUSES,
  EVENT_NAMES,
  EVENT_PERMISSIONS,
  FailureTypes,
  SA,
  SYSTEM_ACTOR,
  TERMINAL_STATUSES,
  eventSignals,
  eventUpdates,
  getStateQuery,
  highestRank,
  isPermitted,
  rankIndex,
  type Actor,
  type CompletionHow,
  type Deadline,
  type DeadlineSpec,
  type EventEnvelope,
  type EventName,
  type EventPayloads,
  type ManagerRank,
  type Person,
  type PolicyDigest,
  type Schedule,
  type ScheduleFacts,
  type Side,
  type StartTransferInput,
  type TransferEventMessage,
  type TransferState,
  type TransferStatus,
} from './definitions';

const policy = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['UnknownKindError', 'CalendarInputError', 'RangeError'] },
});
// Side effects never block a transfer: they run from an outbox, in order, with their own retries.
// The webhook keeps trying for a day (a receiver down for an hour still gets every event); email
// gives up sooner and the failure is shown on the transfer.
const webhook = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: ['PermanentDeliveryError'] },
});
const email = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2h',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: ['PermanentDeliveryError'] },
});

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** A completed transfer with nothing left open closes after this quiet period [IMPL]. */
const CLOSE_AFTER_COMPLETION_MS = 28 * 24 * 3600 * 1000;

type Timer =
  | { kind: 'deadline'; at: number; id: string }
  | { kind: 'completion'; at: number }
  | { kind: 'escalation'; at: number; id: string }
  | { kind: 'close'; at: number };

function invalid(message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type: FailureTypes.InvalidState, message, nonRetryable: true, details: [details] });
}
function forbidden(message: string): never {
  throw ApplicationFailure.create({ type: FailureTypes.Forbidden, message, nonRetryable: true });
}
function notFound(message: string): never {
  throw ApplicationFailure.create({ type: FailureTypes.NotFound, message, nonRetryable: true });
}
function requireDate(value: unknown, field: string): void {
  if (typeof value !== 'string' || !DATE_RE.test(value)) invalid(`${field} must be a date (YYYY-MM-DD)`);
}

export async function caseTransfer(input: StartTransferInput): Promise<TransferState> {
  // Behaviour changes for runs that start after a deploy, decided once here (sdk-typescript#1555):
  // an obligation done after its deadline was missed also settles the escalation it caused.
  const lateDoneSettlesEscalation = patched('late-done-settles-escalation-2026-11');
  // Review fixes: held days never re-open met clocks, no exception lands after completion, a held
  // meeting respects the checklist gate, deadline-less escalations settle, stale timers are skipped.
  const lifecycleFixes = patched('lifecycle-fixes-2026-11');
  const req = input.request;
  const nowIso = () => new Date().toISOString();
  const state: TransferState = {
    transferId: req.transferId,
    authority: req.authority,
    kind: req.kind,
    children: req.children,
    from: req.from,
    to: req.to,
    people: req.people,
    trigger: { ...req.trigger },
    decidedOn: req.decidedOn ?? input.receivedOn,
    notifiedOn: undefined,
    status: 'identified',
    phaseSince: nowIso(),
    onHold: false,
    deadlines: [],
    checklist: [],
    meeting: {},
    exceptions: [],
    escalations: [],
    violations: [],
    warnings: [],
    policyVersion: '',
    calendarVersion: '',
    requestHash: input.requestHash,
    deliveryFailures: [],
    history: [],
  };
  const facts: ScheduleFacts = {
    request: req,
    decidedOn: req.decidedOn ?? input.receivedOn,
    notifiedOn: req.notifiedOn,
    windowEnd: req.windowEnd,
    heldDays: 0,
  };
  // Assigned once, after the handlers are registered (they must be, before the first await).
  // eslint-disable-next-line prefer-const
  let digest: PolicyDigest | undefined;
  let schedule: Schedule | undefined;
  let version = 0;
  let busy = false;
  let ready = false;
  let holdStartedAt: number | undefined;
  /** LBBD: the agreed date passed without sign-off; completes as soon as the checklist is signed off. */
  let completionAwaitingSignOff = false;
  let completedAtMs: number | undefined;
  /** The latest due of a recurring obligation met early: its next occurrence stays armed. */
  let recurringMetThrough: string | undefined;
  const appliedEventIds = new Set<string>();
  let auditSequence = 0;

  // ------------------------------------------------------------------ helpers

  const isTerminal = () => TERMINAL_STATUSES.includes(state.status);
  const isCompleted = () => COMPLETED_STATUSES.includes(state.status);
  const preCompletion = () => !isCompleted() && !isTerminal();

  function setStatus(status: TransferStatus): void {
    if (state.status !== status) {
      state.status = status;
      state.phaseSince = nowIso();
    }
  }

  function personOnChain(side: Side, fromRank: ManagerRank, above?: Person): Person | undefined {
    const chain = state.people.chain[side] ?? [];
    const min = above ? Math.max(rankIndex(fromRank), rankIndex(above.role) + 1) : rankIndex(fromRank);
    const startAfter = above ? chain.findIndex((p) => p.id === above.id) : -1;
    return chain.find((p, i) => i > startAfter && rankIndex(p.role) >= min);
  }

  function mergeDeadlines(specs: DeadlineSpec[], newClocks: boolean): void {
    for (const spec of specs) {
      const same = state.deadlines.filter((d) => d.id === spec.id || d.id.startsWith(`${spec.id}#`));
      const pending = same.find((d) => d.state === 'pending');
      const view: Omit<Deadline, 'state' | 'id'> = {
        what: spec.what,
        due: spec.due,
        dueOn: spec.dueOn,
        practicalDueOn: spec.practicalDueOn,
        rule: spec.rule,
        source: spec.source,
      };
      if (pending) Object.assign(pending, view);
      else if (same.length && lifecycleFixes && !newClocks) {
        // Already met or missed: a shift of the clock (a hold) does not re-open it.
      } else if (!same.some((d) => d.due === spec.due)) {
        // A new clock for an obligation already met or missed (e.g. a new meeting decision).
        state.deadlines.push({ id: same.length ? `${spec.id}#${same.length + 1}` : spec.id, ...view, state: 'pending' });
      }
    }
    // Pending clocks the schedule no longer arms (e.g. the kind completed) are dropped.
    const armed = new Set(specs.map((s) => s.id));
    state.deadlines = state.deadlines.filter((d) => d.state !== 'pending' || armed.has(d.id.split('#')[0]));
  }

  function specFor(deadline: Deadline): DeadlineSpec | undefined {
    return schedule?.deadlines.find((s) => s.id === deadline.id.split('#')[0]);
  }

  function meetDeadlines(by: DeadlineSpec['metBy'], event?: string): void {
    const fulfilled = new Set<string>();
    for (const d of state.deadlines) {
      const spec = specFor(d);
      const late = d.state === 'missed' && lateDoneSettlesEscalation;
      if ((d.state !== 'pending' && !late) || spec?.metBy !== by) continue;
      if (spec.metByEvent && spec.metByEvent !== event) continue;
      // A missed deadline stays missed; what it asked for has now happened, late.
      if (d.state === 'pending') d.state = 'met';
      fulfilled.add(d.id);
    }
    // An escalation about an obligation that has now been done has nothing left to chase.
    for (const e of state.escalations) {
      if (e.state === 'open' && e.deadlineId && fulfilled.has(e.deadlineId)) {
        e.state = 'answered';
        e.answer = { by: 'system', decision: 'resolved', note: 'the overdue obligation was done', at: nowIso() };
      }
    }
  }

  /** `asOf` later than now arms the next occurrence of a recurring obligation met early. */
  async function reschedule(asOf?: string, newClocks = false): Promise<Schedule> {
    const candidates = [nowIso(), asOf ?? '', lifecycleFixes ? (recurringMetThrough ?? '') : ''];
    facts.asOf = candidates.sort().pop()!;
    facts.allocationPending = allocationPending();
    const next = await policy.computeSchedule(facts);
    schedule = next;
    state.policyVersion = next.policyVersion;
    state.calendarVersion = next.calendarVersion;
    state.warnings = next.warnings;
    if (next.window) {
      state.window = {
        opensOn: next.window.opensOn,
        endsOn: next.window.endsOn,
        originalEndsOn: state.window?.originalEndsOn ?? next.window.originalEndsOn,
        onHold: state.onHold,
      };
    }
    mergeChecklist(next);
    mergeDeadlines(next.deadlines, newClocks);
    return next;
  }

  function mergeChecklist(next: Schedule): void {
    const byId = new Map(state.checklist.map((i) => [i.itemId, i]));
    state.checklist = next.checklist.map((t) => {
      const existing = byId.get(t.itemId);
      return existing ? { ...existing, title: t.title, appliesBecause: t.appliesBecause, blocking: t.blocking } : { ...t, state: 'open' };
    });
  }

  /** Compute a schedule for changed facts without committing them; refuse on a rule violation. */
  async function tryFacts(change: Partial<ScheduleFacts>): Promise<void> {
    const candidate = { ...facts, ...change };
    const trial = await policy.computeSchedule(candidate);
    if (trial.violations.length) {
      throw ApplicationFailure.create({
        type: FailureTypes.RuleViolation,
        message: trial.violations.map((v) => `${v.rule}: ${v.message}`).join('; '),
        nonRetryable: true,
        details: [trial.violations],
      });
    }
    Object.assign(facts, candidate);
  }

  async function today(): Promise<string> {
    return policy.localDate({ instant: nowIso() });
  }

  async function raiseEscalation(
    side: Side,
    fromRank: ManagerRank,
    reason: string,
    deadlineId?: string,
    above?: Person,
    level?: number,
  ) {
    const to = personOnChain(side, fromRank, above);
    if (!to) {
      log.warn('no one on the escalation ladder to escalate to', { side, fromRank });
      return;
    }
    const raisedAt = nowIso();
    const legacyLevel = (above ? (state.escalations.find((e) => e.to.id === above.id)?.level ?? 0) : 0) + 1;
    const rung = lifecycleFixes && level !== undefined ? level : legacyLevel;
    state.escalations.push({
      escalationId: `esc-${state.escalations.length + 1}`,
      reason,
      deadlineId,
      side,
      level: rung,
      to,
      raisedAt,
      respondBy: await policy.escalationRespondBy({ authority: state.authority, raisedAt }),
      state: 'open',
    });
  }

  function blockingOpen(): string[] {
    return state.checklist
      .filter((i) => i.blocking && (i.state === 'open' || i.state === 'deferred'))
      .map((i) => i.itemId);
  }

  /** Escalations raised without a deadline (sign-off alert, tray) end when what they chase happens. */
  function settleEscalations(reasonPattern: RegExp, note: string): void {
    if (!lifecycleFixes) return;
    for (const e of state.escalations) {
      if (e.state === 'open' && !e.deadlineId && reasonPattern.test(e.reason)) {
        e.state = 'answered';
        e.answer = { by: 'system', decision: 'resolved', note, at: nowIso() };
      }
    }
  }

  async function complete(how: CompletionHow, effectiveOn: string): Promise<void> {
    settleEscalations(/signed off/, 'the checklist was signed off and the transfer completed');
    const receiver = state.people.receivingSocialWorker ? 'worker' : 'team-queue';
    facts.completedOn = effectiveOn;
    completionAwaitingSignOff = false;
    completedAtMs = Date.now();
    const gate = digest?.checklistGate;
    const outstanding = state.checklist.filter((i) => i.state === 'open').map((i) => i.itemId);
    state.completion = {
      at: nowIso(),
      effectiveOn,
      how,
      receiver,
      receivingSocialWorker: state.people.receivingSocialWorker,
      outstandingItems: outstanding,
    };
    // Met before rescheduling: the new schedule no longer arms pre-completion clocks.
    meetDeadlines('completion');
    await reschedule();
    if (gate === 'deferred' && schedule?.remediationDueOn) {
      for (const item of state.checklist) {
        if (item.state === 'open') {
          item.state = 'deferred';
          item.deferredUntil = schedule.remediationDueOn;
          item.owner = state.people.transferringManager.id;
        }
      }
    }
    state.completion.remediationDue = schedule?.remediationDue;
    setStatus(hasObligations() ? 'post-transfer' : 'completed');
  }

  /** Completed into the receiving team's queue and not yet cleared by what the policy requires. */
  function allocationPending(): boolean {
    const c = state.completion;
    if (!c || c.receiver !== 'team-queue') return false;
    const cleared = (digest?.queueClearedBy ?? ['allocation']).every((what) =>
      what === 'allocation'
        ? Boolean(state.people.receivingSocialWorker)
        : Boolean(state.meeting.heldOn && state.meeting.heldOn >= c.effectiveOn),
    );
    return !cleared;
  }

  function hasObligations(): boolean {
    if (!state.completion) return false;
    if (allocationPending()) return true;
    if (state.checklist.some((i) => i.state === 'deferred')) return true;
    if (state.remediation?.items.some((i) => i.state === 'open')) return true;
    return false;
  }

  /** DOMAIN T18: held in BLOCKED from the start until the policy's blocker clears. */
  function applyBlocker(): void {
    const blocker = digest?.blockedUntil;
    if (!blocker || !preCompletion()) return;
    // Called at start: no decision event has been recorded yet.
    const applies =
      blocker.by === 'decision' || state.checklist.some((i) => i.itemId === blocker.itemId && i.state === 'open');
    if (applies && !state.blocked) {
      state.blocked = blocker;
      setStatus('blocked');
    }
  }

  function unblock(by: 'decision' | 'checklist-item', itemId?: string): void {
    const b = state.blocked;
    if (!b || b.by !== by || (by === 'checklist-item' && b.itemId !== itemId)) return;
    state.blocked = undefined;
    setStatus(state.people.receivingSocialWorker ? 'preparing' : state.notifiedOn || state.agreedTransferOn ? 'notified' : 'identified');
  }

  function settleObligations(): void {
    if (isCompleted() && state.status !== 'closed') setStatus(hasObligations() ? 'post-transfer' : 'completed');
  }

  // ------------------------------------------------------------------ events

  /** Refuses a reason the policy forbids, written as CAPACITY, capacity or record-quality alike. */
  function refuseForbiddenReason(reason: string, verb: 'stop' | 'refuse'): void {
    const token = reason.trim().toUpperCase().replace(/[\s-]+/g, '_');
    const refused = digest?.forbiddenRejectionReasons.find((f) => f.reason === token);
    if (!refused) return;
    invalid(`${refused.reason} is never a reason to ${verb} a transfer (${refused.rule}, ${refused.source}); instead: ${refused.instead}`, {
      rule: refused.rule,
      instead: refused.instead,
    });
  }

  function check<E extends EventName>(name: E, env: EventEnvelope<EventPayloads[E]>): void {
    if (!env || typeof env !== 'object' || !env.actor || typeof env.payload !== 'object' || env.payload === null) {
      invalid(`${name}: malformed event`);
    }
    if (lifecycleFixes && (typeof env.actor.id !== 'string' || !Array.isArray(env.actor.roles) || !Array.isArray(env.actor.sides))) {
      invalid(`${name}: the actor needs id, roles and sides`);
    }
    if (!isPermitted(EVENT_PERMISSIONS[name], env.actor, state.people.allocatedSocialWorker.id)) {
      forbidden(`${env.actor.id} may not record ${name} on this transfer`);
    }
    if (isTerminal()) invalid(`the transfer is ${state.status}`);
    const p = env.payload as Record<string, unknown>;
    const needPre = () => {
      if (!preCompletion()) invalid(`${name} is not valid after completion (status ${state.status})`);
    };
    switch (name) {
      case 'notification':
        requireDate(p.notifiedOn, 'notifiedOn');
        if (p.windowEnd !== undefined) requireDate(p.windowEnd, 'windowEnd');
        if (state.status !== 'identified') invalid(`the transfer was already notified (status ${state.status})`);
        break;
      case 'acknowledgement':
        if (!['notified', 'preparing', 'blocked'].includes(state.status)) {
          invalid(`acknowledgement needs a notified transfer (status ${state.status})`);
        }
        if (state.acknowledgedOn) invalid('the notification was already acknowledged');
        break;
      case 'allocation': {
        const w = p.receivingSocialWorker as Person | undefined;
        if (!w || typeof w.id !== 'string') invalid('receivingSocialWorker is required');
        if (isCompleted() && state.people.receivingSocialWorker) invalid('a receiving social worker is already allocated');
        break;
      }
      case 'checklistItem': {
        const item = state.checklist.find((i) => i.itemId === p.itemId);
        if (!item) notFound(`no checklist item ${String(p.itemId)} on this transfer`);
        // After completion an item can only be done late; a deferred one cannot be reopened or waved off.
        const afterCompletionAllowed = lifecycleFixes ? p.state === 'done' : item.state === 'deferred' || p.state === 'done';
        if (isCompleted() && !afterCompletionAllowed) {
          invalid('after completion only deferred items can be completed');
        }
        if (p.state === 'historic-gap' && digest?.checklistGate !== 'sign-off') {
          invalid('historic-gap applies only where the checklist is signed off (Barking and Dagenham 001 ¶10)');
        }
        if ((p.state === 'na' || p.state === 'open') && !p.reason && !p.note) invalid(`${String(p.state)} needs a reason`);
        break;
      }
      case 'meeting':
        requireDate(p.on, 'on');
        // After completion only the handover meeting that clears the receiving team's queue counts.
        if (!(p.status === 'held' && allocationPending() && digest?.queueClearedBy.includes('meeting-held'))) needPre();
        if (p.status !== 'scheduled' && p.status !== 'held') invalid('status must be scheduled or held');
        if (state.window && (String(p.on) > state.window.endsOn || String(p.on) < state.window.opensOn)) {
          invalid(`T-ISL-06: the transfer meeting must be inside the window ${state.window.opensOn} to ${state.window.endsOn}`, {
            rule: 'T-ISL-06',
          });
        }
        if (p.status === 'held' && state.blocked) {
          invalid(`${state.blocked.rule}: the transfer is blocked: ${state.blocked.reason}`, { rule: state.blocked.rule });
        }
        if (p.status === 'held' && lifecycleFixes && preCompletion() && digest?.completion.includes('meeting')) {
          if (state.status === 'returned-to-meeting') invalid('the case went back to the allocation meeting: record a new decision first');
          const gate = digest.checklistGate;
          if ((gate === 'sign-off' || gate === 'agreed-tasks') && blockingOpen().length > 0) {
            invalid(`the checklist gate (${gate}) is not met: open ${blockingOpen().join(', ')}`, { open: blockingOpen() });
          }
        }
        if (p.status === 'held' && state.status === 'identified' && digest?.usesWindow) {
          invalid('the transfer has not been notified yet');
        }
        break;
      case 'exceptionRequest':
        needPre();
        if (!['extend-window', 'waive-items', 'hold', 'resume', 'cancel-transfer'].includes(String(p.kind))) {
          invalid(`unknown exception kind ${String(p.kind)}`);
        }
        if (p.kind === 'extend-window') {
          requireDate(p.newWindowEnd, 'newWindowEnd');
          // Without a window or agreed date yet, the exception approves a date beyond the policy's bound
          // ahead of the decision that proposes it (e.g. LBBD-01).
          const current = state.window?.endsOn ?? state.agreedTransferOn;
          if (current && String(p.newWindowEnd) <= current) invalid(`newWindowEnd must be after the current end ${current}`);
        }
        if (p.kind === 'waive-items') {
          const ids = (p.itemIds as string[] | undefined) ?? [];
          if (!ids.length) invalid('itemIds are required to waive items');
          for (const id of ids) if (!state.checklist.some((i) => i.itemId === id)) notFound(`no checklist item ${id}`);
        }
        if (p.kind === 'hold' && state.onHold) invalid('the transfer is already on hold');
        if (p.kind === 'resume' && !state.onHold) invalid('the transfer is not on hold');
        if (state.exceptions.some((e) => e.exceptionId === p.exceptionId)) invalid('duplicate exceptionId');
        break;
      case 'exceptionDecision': {
        if (lifecycleFixes) needPre();
        // Rank first, so that someone who may not approve learns nothing about the exception.
        const minRank = digest?.exceptionApproval.minRank;
        if (minRank && highestRank(env.actor) < rankIndex(minRank)) forbidden(`approving needs the rank ${minRank} or above`);
        const ex = state.exceptions.find((e) => e.exceptionId === p.exceptionId);
        if (!ex) notFound(`no exception ${String(p.exceptionId)}`);
        if (ex.state !== 'pending') invalid(`the exception is already ${ex.state}`);
        if (p.decision !== 'approve' && p.decision !== 'reject') invalid('decision must be approve or reject');
        if (highestRank(env.actor) < rankIndex(ex.minRank)) forbidden(`approving needs the rank ${ex.minRank} or above`);
        const open = ex.requiredSides.filter((s) => !ex.approvals.some((a) => a.side === s));
        if (!env.actor.sides.some((s) => open.includes(s))) {
          forbidden(`approval is needed from the ${open.join(' and ')} side, and the approver is not on it`);
        }
        break;
      }
      case 'escalationResponse': {
        const esc = state.escalations.find((e) => e.escalationId === p.escalationId);
        if (!esc) notFound(`no escalation ${String(p.escalationId)}`);
        if (esc.state !== 'open') invalid(`the escalation is already ${esc.state}`);
        const above = highestRank(env.actor) > rankIndex(esc.to.role) && env.actor.sides.includes(esc.side);
        if (env.actor.id !== esc.to.id && !above) forbidden('only the person escalated to, or someone above them, may answer');
        if (typeof p.decision !== 'string' || !p.decision) invalid('decision is required');
        break;
      }
      case 'decision':
        requireDate(p.on, 'on');
        if (p.transferOn !== undefined) requireDate(p.transferOn, 'transferOn');
        needPre();
        if (!digest?.usesDecision) invalid(`a ${state.kind} transfer is not decided at an allocation meeting`);
        if (!['identified', 'notified', 'acknowledged', 'preparing', 'returned-to-meeting', 'blocked'].includes(state.status)) {
          invalid(`a decision is not valid in status ${state.status}`);
        }
        break;
      case 'trigger':
        requireDate(String(p.on ?? '').slice(0, 10), 'on');
        if (typeof p.event !== 'string' || !p.event) invalid('event is required');
        // After completion a trigger only records a recurring obligation (e.g. a weekly overview).
        if (!state.deadlines.some((d) => d.state === 'pending' && specFor(d)?.metByEvent === p.event)) needPre();
        break;
      case 'remediation':
        if (!isCompleted()) invalid('remediation applies after completion');
        if (p.items) {
          if (!env.actor.sides.includes('receiving')) forbidden('the receiving side lists record defects');
          if (state.remediation) invalid('a remediation letter was already sent');
          if (!Array.isArray(p.items) || p.items.length === 0) invalid('items must list at least one defect');
        } else if (p.itemId) {
          if (!env.actor.sides.includes('transferring')) forbidden('the transferring side marks defects fixed');
          const item = state.remediation?.items.find((i) => i.itemId === p.itemId);
          if (!item) notFound(`no remediation item ${String(p.itemId)}`);
          if (item.state === 'done') invalid('that item is already done');
        } else invalid('send items (a letter) or itemId (a fix)');
        break;
      case 'cancellation': {
        needPre();
        if (typeof p.reason !== 'string' || !p.reason) invalid('reason is required');
        // Capacity and record quality never end a transfer, whichever route they come by (INV-2, INV-3).
        refuseForbiddenReason(p.reason, 'stop');
        break;
      }
      case 'rejection': {
        needPre();
        const reason = String(p.reason ?? '');
        refuseForbiddenReason(reason, 'refuse');
        if (digest && !digest.permittedRejectionReasons.includes(reason)) {
          invalid(`${reason} is not a permitted reason; permitted: ${digest.permittedRejectionReasons.join(', ')}`);
        }
        break;
      }
    }
  }

  const effects: { [E in EventName]: (env: EventEnvelope<EventPayloads[E]>) => Promise<string> } = {
    async notification({ payload }) {
      await tryFacts({ notifiedOn: payload.notifiedOn, windowEnd: payload.windowEnd ?? facts.windowEnd });
      state.notifiedOn = payload.notifiedOn;
      if (payload.importantDates) facts.request = { ...facts.request, importantDates: payload.importantDates };
      setStatus('notified');
      await reschedule();
      meetDeadlines('notification');
      return `notified on ${payload.notifiedOn}`;
    },
    async acknowledgement({ payload }) {
      state.acknowledgedOn = payload.acknowledgedOn ?? (await today());
      if (payload.receivingSocialWorker) state.people.receivingSocialWorker = payload.receivingSocialWorker;
      if (state.status === 'notified') setStatus('acknowledged');
      meetDeadlines('acknowledgement');
      if (payload.receivingSocialWorker) meetDeadlines('allocation');
      return `acknowledged on ${state.acknowledgedOn}`;
    },
    async allocation({ payload }) {
      state.people.receivingSocialWorker = payload.receivingSocialWorker;
      if (['notified', 'acknowledged'].includes(state.status)) setStatus('preparing');
      meetDeadlines('allocation');
      settleEscalations(/no named worker/, 'a receiving social worker was allocated');
      if (state.completion?.receiver === 'team-queue') {
        state.completion.receivingSocialWorker = payload.receivingSocialWorker;
        await reschedule();
      }
      settleObligations();
      return 'receiving social worker allocated';
    },
    async checklistItem({ payload, actor }) {
      const item = state.checklist.find((i) => i.itemId === payload.itemId)!;
      item.state = payload.state;
      item.note = payload.note ?? payload.reason;
      item.evidenceRef = payload.evidenceRef;
      item.doneBy = payload.state === 'open' ? undefined : actor.id;
      item.doneAt = payload.state === 'open' ? undefined : nowIso();
      if (['notified', 'acknowledged'].includes(state.status)) setStatus('preparing');
      if (payload.state !== 'open') unblock('checklist-item', payload.itemId);
      if (completionAwaitingSignOff && blockingOpen().length === 0) await complete('agreed-date', await today());
      settleObligations();
      return `checklist item ${payload.itemId} ${payload.state}`;
    },
    async meeting({ payload }) {
      if (payload.status === 'scheduled') {
        state.meeting.scheduledOn = payload.on;
        facts.meetingScheduledOn = payload.on;
        if (['notified', 'acknowledged'].includes(state.status)) setStatus('preparing');
        await reschedule();
        return `meeting scheduled for ${payload.on}`;
      }
      state.meeting.heldOn = payload.on;
      state.meeting.attendees = payload.attendees;
      meetDeadlines('meeting-held');
      if (isCompleted()) {
        await reschedule();
        settleObligations();
      } else if (digest?.completion.includes('meeting')) await complete('meeting', payload.on);
      return `meeting held on ${payload.on}`;
    },
    async exceptionRequest({ payload, actor }) {
      const approval = digest!.exceptionApproval;
      const immediate = payload.kind === 'resume';
      state.exceptions.push({
        exceptionId: payload.exceptionId,
        kind: payload.kind,
        reason: payload.reason,
        newWindowEnd: payload.newWindowEnd,
        itemIds: payload.itemIds,
        requestedBy: actor.id,
        requestedAt: nowIso(),
        state: immediate ? 'approved' : 'pending',
        approvals: [],
        requiredSides: immediate ? [] : approval.sides,
        minRank: approval.minRank,
      });
      if (immediate) await applyException(payload.exceptionId);
      return `${payload.kind} exception ${payload.exceptionId} requested`;
    },
    async exceptionDecision({ payload, actor }) {
      const ex = state.exceptions.find((e) => e.exceptionId === payload.exceptionId)!;
      const open = ex.requiredSides.filter((s) => !ex.approvals.some((a) => a.side === s));
      // One person who legitimately holds the approving role for both sides satisfies both [IMPL §2.7].
      for (const side of actor.sides.filter((s) => open.includes(s))) {
        ex.approvals.push({
          by: actor.id,
          side,
          rank: actor.roles.filter((r) => rankIndex(r) >= 0).sort((a, b) => rankIndex(b) - rankIndex(a))[0],
          decision: payload.decision,
          at: nowIso(),
          note: payload.note,
        });
      }
      if (payload.decision === 'reject') {
        ex.state = 'rejected';
        return `exception ${ex.exceptionId} rejected`;
      }
      if (ex.requiredSides.every((s) => ex.approvals.some((a) => a.side === s && a.decision === 'approve'))) {
        await applyException(ex.exceptionId);
        return `exception ${ex.exceptionId} approved and applied`;
      }
      return `exception ${ex.exceptionId} partially approved`;
    },
    async escalationResponse({ payload, actor }) {
      const esc = state.escalations.find((e) => e.escalationId === payload.escalationId)!;
      esc.state = 'answered';
      esc.answer = { by: actor.id, decision: payload.decision, note: payload.note, at: nowIso() };
      return `escalation ${esc.escalationId} answered`;
    },
    async decision({ payload }) {
      await tryFacts({
        decidedOn: payload.on,
        agreedTransferOn: payload.transferOn,
        agreedTasks: payload.agreedTasks,
        awaitingDecision: false,
      });
      state.decidedOn = payload.on;
      state.agreedTransferOn = payload.transferOn;
      state.agreedTasks = payload.agreedTasks;
      if (state.blocked?.by === 'decision') state.blocked = undefined;
      if (!state.blocked) setStatus(state.people.receivingSocialWorker ? 'preparing' : 'notified');
      await reschedule(undefined, true);
      meetDeadlines('decision');
      return `decision recorded on ${payload.on}`;
    },
    async trigger({ payload }) {
      const on = payload.on.slice(0, 10);
      state.trigger.occurredOn = on;
      state.trigger.outcome = payload.outcome;
      const cancelling = digest?.cancellingOutcomes.find((c) => c.outcome === payload.outcome);
      if (cancelling) {
        state.cancellation = { reason: cancelling.reason, at: nowIso(), by: 'system' };
        setStatus('cancelled');
        return `cancelled: ${cancelling.reason} (${cancelling.rule})`;
      }
      if (payload.event === 'best-interest-agreement') {
        facts.bestInterestAgreed = true;
        await reschedule();
        return 'best-interest agreement recorded';
      }
      const recurring = state.deadlines.filter(
        (d) => d.state === 'pending' && specFor(d)?.repeats && specFor(d)?.metByEvent === payload.event,
      );
      meetDeadlines('trigger', payload.event);
      if (recurring.length) {
        recurringMetThrough = recurring.map((d) => d.due).sort().pop();
        await reschedule(recurringMetThrough);
      }
      if (isCompleted()) return `${payload.event} recorded on ${on}`;
      facts.triggerOccurredOn = payload.on;
      await reschedule();
      meetDeadlines('trigger', payload.event);
      // The kind's transfer points, or the trigger event the transfer was started with.
      const completes = digest?.completingTriggers.includes(payload.event) || payload.event === state.trigger.event;
      if (completes && digest?.completion.includes('trigger-event')) {
        await complete('trigger-event', on);
        return `${payload.event} held on ${on}: transfer completed`;
      }
      return `${payload.event} on ${on}`;
    },
    async remediation({ payload }) {
      if (payload.items) {
        const letterOn = payload.letterOn ?? (await today());
        facts.remediationLetterOn = letterOn;
        await reschedule();
        state.remediation = {
          letterOn,
          due: schedule?.remediationDue ?? '',
          dueOn: schedule?.remediationDueOn ?? '',
          items: payload.items.map((i) => ({ itemId: i.itemId, description: i.description, state: 'open' })),
        };
        if (state.completion) state.completion.remediationDue = schedule?.remediationDue;
        settleObligations();
        return `remediation letter with ${payload.items.length} item(s)`;
      }
      const item = state.remediation!.items.find((i) => i.itemId === payload.itemId)!;
      item.state = 'done';
      item.doneAt = nowIso();
      if (state.remediation!.items.every((i) => i.state === 'done')) meetDeadlines('remediation-done');
      settleObligations();
      return `remediation item ${payload.itemId} done`;
    },
    async cancellation({ payload, actor }) {
      state.cancellation = { reason: payload.reason, at: nowIso(), by: actor.id };
      setStatus('cancelled');
      return 'cancelled';
    },
    async rejection({ payload, actor }) {
      state.rejection = { reason: payload.reason, at: nowIso(), by: actor.id };
      setStatus('rejected');
      return `rejected: ${payload.reason}`;
    },
  };

  async function applyException(exceptionId: string): Promise<void> {
    const ex = state.exceptions.find((e) => e.exceptionId === exceptionId)!;
    ex.state = 'approved';
    switch (ex.kind) {
      case 'extend-window':
        if (state.window) {
          Object.assign(facts, { windowEnd: ex.newWindowEnd, windowEndApprovedByException: true });
          if (lifecycleFixes) facts.approvedThrough = ex.newWindowEnd;
        } else {
          Object.assign(facts, { agreedTransferOn: ex.newWindowEnd, windowEndApprovedByException: true });
          if (lifecycleFixes) facts.approvedThrough = ex.newWindowEnd;
          state.agreedTransferOn = ex.newWindowEnd;
        }
        await reschedule();
        break;
      case 'waive-items':
        for (const item of state.checklist) if (ex.itemIds?.includes(item.itemId)) item.state = 'waived';
        if (completionAwaitingSignOff && blockingOpen().length === 0) await complete('agreed-date', await today());
        break;
      case 'hold':
        state.onHold = true;
        holdStartedAt = Date.now();
        if (state.window) state.window.onHold = true;
        break;
      case 'resume': {
        const heldMs = Date.now() - (holdStartedAt ?? Date.now());
        facts.heldDays += Math.ceil(heldMs / (24 * 3600 * 1000));
        state.onHold = false;
        holdStartedAt = undefined;
        if (state.window) state.window.onHold = false;
        await reschedule();
        break;
      }
      case 'cancel-transfer':
        state.cancellation = { reason: ex.reason, at: nowIso(), by: ex.requestedBy };
        setStatus('cancelled');
        break;
    }
  }

  async function withLock<T>(fn: () => Promise<T>): Promise<T> {
    // Several waiters can wake in the same activation: re-check before taking the lock.
    while (!ready || busy) await condition(() => ready && !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  }

  // ------------------------------------------------------------------ outbox

  const outboxes: Record<'webhook' | 'email', TransferEventMessage[]> = { webhook: [], email: [] };

  /** Queue the audit record and snapshot of the step just taken; delivery happens in the background. */
  function publish(
    event: string,
    actor: Actor,
    before: TransferStatus,
    mark: StepMark,
    outcome: 'accepted' | 'rejected' = 'accepted',
  ): void {
    auditSequence += 1;
    const message: TransferEventMessage = {
      workflowId: workflowInfo().workflowId,
      transferId: state.transferId,
      sequence: auditSequence,
      at: nowIso(),
      event,
      actor: actor.id,
      outcome,
      statusBefore: before,
      statusAfter: state.status,
      detail: state.history[state.history.length - 1]?.detail ?? '',
      snapshot: {
        authority: state.authority,
        kind: state.kind,
        status: state.status,
        childRefs: state.children.map((c) => c.ref),
        from: state.from,
        to: state.to,
        people: state.people,
        window: state.window,
        agreedTransferOn: state.agreedTransferOn,
        meeting: state.meeting,
        completion: state.completion,
        remediation: state.remediation,
        raised: state.escalations.slice(mark.escalations),
        missed: state.deadlines.filter((d) => d.state === 'missed' && !mark.missed.has(d.id)),
        pendingDeadlines: state.deadlines.filter((d) => d.state === 'pending'),
        outstandingItems: state.checklist.filter((i) => i.state === 'open' || i.state === 'deferred').map((i) => i.itemId),
      },
    };
    // Frozen now: a message can wait in the outbox while later steps change the state.
    const frozen = JSON.parse(JSON.stringify(message)) as TransferEventMessage;
    outboxes.webhook.push(frozen);
    outboxes.email.push(frozen);
  }

  interface StepMark {
    escalations: number;
    missed: Set<string>;
  }
  const markStep = (): StepMark => ({
    escalations: state.escalations.length,
    missed: new Set(state.deadlines.filter((d) => d.state === 'missed').map((d) => d.id)),
  });

  /** Every message down the cause chain: the last attempt's own error, not only the timeout. */
  function causeChain(err: unknown): string {
    const parts: string[] = [];
    for (let cur: unknown = err; cur instanceof Error && parts.length < 5; cur = cur.cause) parts.push(cur.message);
    return parts.join(': ') || String(err);
  }

  async function drain(channel: 'webhook' | 'email'): Promise<void> {
    for (;;) {
      await condition(() => outboxes[channel].length > 0);
      const message = outboxes[channel][0];
      try {
        if (channel === 'webhook') await webhook.deliverWebhook(message);
        else await email.sendNotifications(message);
      } catch (err) {
        state.deliveryFailures.push({
          channel,
          sequence: message.sequence,
          event: message.event,
          at: nowIso(),
          error: causeChain(err),
        });
        syncSearchAttributes();
      }
      outboxes[channel].shift();
    }
  }

  async function apply<E extends EventName>(name: E, env: EventEnvelope<EventPayloads[E]>): Promise<TransferState> {
    return withLock(async () => {
      if (env?.eventId && appliedEventIds.has(env.eventId)) return state;
      check(name, env);
      const before = state.status;
      const mark = markStep();
      const detail = await effects[name](env as never);
      if (env.eventId) appliedEventIds.add(env.eventId);
      state.history.push({ at: nowIso(), event: name, by: env.actor.id, detail, outcome: 'accepted', eventId: env.eventId });
      version += 1;
      syncSearchAttributes();
      publish(name, env.actor, before, mark);
      return state;
    });
  }

  function recordRejected(name: EventName, env: EventEnvelope<unknown> | undefined, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    state.history.push({
      at: nowIso(),
      event: name,
      by: env?.actor?.id ?? 'unknown',
      detail: `rejected: ${message}`,
      outcome: 'rejected',
      eventId: env?.eventId,
    });
    version += 1;
    // The audit trail downstream keeps rejected signals too.
    publish(name, env?.actor ?? { ...SYSTEM_ACTOR, id: 'unknown' }, state.status, markStep(), 'rejected');
  }

  for (const name of EVENT_NAMES) {
    setHandler(eventSignals[name] as unknown as SignalDefinition<[EventEnvelope<never>]>, async (env) => {
      try {
        await apply(name, env);
      } catch (err) {
        // A signal cannot answer its sender: an invalid one is kept in the history, never lost.
        // Anything else wrong with a signal is recorded too: a bad message must not wedge the run.
        if (err instanceof ApplicationFailure || lifecycleFixes) recordRejected(name, env, err);
        else throw err;
      }
    });
    const update = eventUpdates[name] as unknown as UpdateDefinition<TransferState, [EventEnvelope<never>]>;
    setHandler(update, (env) => apply(name, env), {
      validator: (env) => {
        if (ready && !busy) check(name, env);
      },
    });
  }
  setHandler(getStateQuery, () => state);

  // ------------------------------------------------------------------ search attributes

  let lastAttributes = '';
  function syncSearchAttributes(): void {
    const pairs = {
      status: state.status,
      escalated: state.escalations.some((e) => e.state === 'open'),
      overdue: state.deadlines.some((d) => d.state === 'missed'),
      windowEndsOn: state.window?.endsOn ?? state.agreedTransferOn,
      deliveryFailed: state.deliveryFailures.length > 0,
    };
    const key = JSON.stringify(pairs);
    if (key === lastAttributes) return;
    lastAttributes = key;
    const updates: Parameters<typeof upsertSearchAttributes>[0] = [
      { key: SA.status, value: pairs.status },
      { key: SA.escalated, value: pairs.escalated },
      { key: SA.overdue, value: pairs.overdue },
      { key: SA.deliveryFailed, value: pairs.deliveryFailed },
    ];
    if (pairs.windowEndsOn) updates.push({ key: SA.windowEndsOn, value: new Date(`${pairs.windowEndsOn}T12:00:00Z`) });
    upsertSearchAttributes(updates);
  }

  // ------------------------------------------------------------------ start

  digest = await policy.loadPolicyDigest({ authority: req.authority, kind: req.kind });
  if (facts.notifiedOn) {
    state.notifiedOn = facts.notifiedOn;
    state.status = 'notified';
  }
  if (req.decidedOn && digest.usesDecision && !digest.usesWindow) state.status = 'notified';
  await reschedule();
  if (state.notifiedOn) meetDeadlines('notification');
  applyBlocker();
  state.violations = schedule?.violations ?? [];
  state.history.push({ at: nowIso(), event: 'started', by: input.startedBy.id, detail: `${req.kind} transfer started`, outcome: 'accepted' });
  ready = true;
  syncSearchAttributes();
  publish('started', input.startedBy, 'identified', { escalations: 0, missed: new Set() });
  void drain('webhook');
  void drain('email');

  // ------------------------------------------------------------------ clocks

  function nextTimer(): Timer | undefined {
    const timers: Timer[] = [];
    if (!state.onHold && preCompletion()) {
      if (schedule?.completionTimer && !completionAwaitingSignOff && !state.blocked && state.status !== 'returned-to-meeting') {
        timers.push({ kind: 'completion', at: Date.parse(schedule.completionTimer.at) });
      }
    }
    for (const d of state.deadlines) {
      if (d.state !== 'pending' || specFor(d)?.metBy === 'never') continue;
      if (state.onHold && preCompletion()) continue;
      timers.push({ kind: 'deadline', at: Date.parse(d.due), id: d.id });
    }
    for (const e of state.escalations) {
      if (e.state === 'open' && personOnChain(e.side, e.to.role as ManagerRank, e.to)) {
        timers.push({ kind: 'escalation', at: Date.parse(e.respondBy), id: e.escalationId });
      }
    }
    if (isCompleted() && !hasObligations() && completedAtMs !== undefined) {
      timers.push({ kind: 'close', at: completedAtMs + CLOSE_AFTER_COMPLETION_MS });
    }
    // On a tie the completion (or the return to the meeting) goes first: it decides what else is due.
    return timers.sort((a, b) => a.at - b.at || Number(b.kind === 'completion') - Number(a.kind === 'completion'))[0];
  }

  async function fire(timer: Timer): Promise<void> {
    const before = state.status;
    const mark = markStep();
    let detail: string;
    if (timer.kind === 'deadline') {
      const d = state.deadlines.find((x) => x.id === timer.id);
      const spec = d && specFor(d);
      if (!d || d.state !== 'pending') return;
      d.state = 'missed';
      detail = `deadline ${d.id} (${d.rule}) missed`;
      if (spec?.onMissed.kind === 'escalate') {
        await raiseEscalation(spec.onMissed.side, spec.onMissed.fromRank, spec.onMissed.reason, d.id);
      }
      if (spec?.repeats) await reschedule();
    } else if (timer.kind === 'escalation') {
      const e = state.escalations.find((x) => x.escalationId === timer.id);
      if (!e || e.state !== 'open') return;
      e.state = 'superseded';
      await raiseEscalation(e.side, e.to.role as ManagerRank, e.reason, e.deadlineId, e.to, e.level + 1);
      detail = `escalation ${e.escalationId} unanswered: climbed a rung`;
    } else if (timer.kind === 'close') {
      setStatus('closed');
      detail = 'closed: no open obligations';
    } else {
      detail = await fireCompletion();
    }
    state.history.push({ at: nowIso(), event: `timer:${timer.kind}`, by: 'system', detail, outcome: 'accepted' });
    version += 1;
    syncSearchAttributes();
    publish(`timer:${timer.kind}`, SYSTEM_ACTOR, before, mark);
  }

  async function fireCompletion(): Promise<string> {
    const timer = schedule!.completionTimer!;
    const gate = digest!.checklistGate;
    if (gate === 'agreed-tasks' && schedule?.returnToMeetingAt && blockingOpen().length > 0) {
      const nextMeetingOn = schedule.returnToMeetingAt.nextMeetingOn;
      setStatus('returned-to-meeting');
      facts.agreedTasks = undefined;
      facts.awaitingDecision = true;
      state.meeting = { scheduledOn: nextMeetingOn };
      await reschedule();
      return `agreed tasks open at the end of the clock: back to the meeting on ${nextMeetingOn}`;
    }
    if (gate === 'sign-off' && blockingOpen().length > 0) {
      completionAwaitingSignOff = true;
      await raiseEscalation('transferring', 'head-of-service', 'checklist not signed off by the agreed date');
      return 'agreed date reached without checklist sign-off: transfer stays pending';
    }
    await complete(timer.how, timer.effectiveOn);
    if (state.completion?.receiver === 'team-queue' && gate === 'agreed-tasks') {
      await raiseEscalation('receiving', 'service-manager', 'ready but no named worker allocated');
    }
    return `completed at ${timer.how} (${timer.effectiveOn}), receiver ${state.completion?.receiver}`;
  }

  while (!isTerminal()) {
    const seen = version;
    const next = nextTimer();
    const changed = next
      ? await condition(() => version !== seen || isTerminal(), Math.max(next.at - Date.now(), 1))
      : await condition(() => version !== seen || isTerminal());
    if (!changed && next) {
      await withLock(async () => {
        // A handler may have run while this timer waited for the lock: fire only what is still due.
        if (lifecycleFixes) {
          const current = nextTimer();
          const same = current && current.kind === next.kind && current.at === next.at && ('id' in current ? current.id : '') === ('id' in next ? next.id : '');
          if (isTerminal() || !same || next.at > Date.now()) return;
        }
        await fire(next);
      });
    }
  }

  await condition(allHandlersFinished);
  // Everything published reaches the case-management system and the inboxes before the run ends.
  await condition(() => outboxes.webhook.length === 0 && outboxes.email.length === 0);
  return state;
}
