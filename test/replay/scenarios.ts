// Lifecycle scenarios whose histories are recorded into test/replay/histories and replayed on every
// test run against the production workflow bundle. Each runs in the time-skipping server.
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { calendar, envToday, sleepUntil } from '../support/time-skipping';
import { islingtonCinToCla, plusDays, protocolTransfer } from '../support/fixtures';
import { CONTINUE_AFTER_COMPLETION_AT_EVENTS } from '../../workflows/case-transfer';
import { actors, lengthenHistory, startTransfer, state, update } from '../support/workflow-driver';

export interface Scenario {
  name: string;
  run(env: TestWorkflowEnvironment, id: string): Promise<WorkflowHandle>;
}

function isl(id: string, today: string, windowEnd: string) {
  return islingtonCinToCla({
    transferId: id,
    notifiedOn: today,
    windowEnd,
    trigger: { event: 'first-cla-review', date: plusDays(today, 35) },
  });
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'isl-happy-path-meeting',
    async run(env, id) {
      const today = await envToday(env);
      const h = await startTransfer(env.client, isl(id, today, plusDays(today, 30)), today);
      await update(h, 'acknowledgement', actors.receivingTm, {});
      await update(h, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } });
      const item = (await state(h)).checklist[0].itemId;
      await update(h, 'checklistItem', actors.allocatedSw, { itemId: item, state: 'done' });
      await update(h, 'meeting', actors.transferringTm, { status: 'scheduled', on: plusDays(today, 10) });
      await env.sleep('10 days');
      await update(h, 'meeting', actors.transferringTm, { status: 'held', on: plusDays(today, 10), attendees: ['sw-anna', 'sw-jo'] });
      return h;
    },
  },
  {
    name: 'isl-window-end-auto-completion',
    async run(env, id) {
      const today = await envToday(env);
      const end = plusDays(today, 14);
      const h = await startTransfer(env.client, isl(id, today, end), today);
      await update(h, 'acknowledgement', actors.receivingTm, {});
      await sleepUntil(env, calendar.atLocalTime(end, '18:00'));
      return h;
    },
  },
  {
    // A long history before the window end: the completed transfer continues as new (run 2).
    name: 'isl-long-history-continued',
    async run(env, id) {
      const today = await envToday(env);
      const end = plusDays(today, 14);
      const h = await startTransfer(env.client, isl(id, today, end), today);
      await update(h, 'acknowledgement', actors.receivingTm, {});
      await lengthenHistory(h, CONTINUE_AFTER_COMPLETION_AT_EVENTS);
      await sleepUntil(env, calendar.atLocalTime(end, '18:00'));
      // The second run has started and settled once its first answer comes.
      await update(h, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } });
      return h;
    },
  },
  {
    name: 'isl-escalated-twice',
    async run(env, id) {
      const today = await envToday(env);
      const h = await startTransfer(env.client, isl(id, today, plusDays(today, 40)), today);
      await sleepUntil(env, calendar.breachInstant(calendar.addWorkingDays(today, 2)));
      const first = (await state(h)).escalations[0];
      await sleepUntil(env, first.respondBy);
      const second = (await state(h)).escalations[1];
      await update(h, 'escalationResponse', actors.receivingHos, { escalationId: second.escalationId, decision: 'chased', note: 'n' });
      await update(h, 'acknowledgement', actors.receivingTm, {});
      return h;
    },
  },
  {
    name: 'isl-extend-window-two-sided',
    async run(env, id) {
      const today = await envToday(env);
      const h = await startTransfer(env.client, isl(id, today, plusDays(today, 20)), today);
      await update(h, 'exceptionRequest', actors.transferringTm, { exceptionId: 'e1', kind: 'extend-window', reason: 'r', newWindowEnd: plusDays(today, 50) });
      await update(h, 'exceptionDecision', actors.transferringSm, { exceptionId: 'e1', decision: 'approve' });
      await update(h, 'exceptionDecision', actors.receivingAd, { exceptionId: 'e1', decision: 'approve' });
      await sleepUntil(env, calendar.atLocalTime(plusDays(today, 50), '18:00'));
      return h;
    },
  },
  {
    name: 'isl-hold-and-resume',
    async run(env, id) {
      const today = await envToday(env);
      const h = await startTransfer(env.client, isl(id, today, plusDays(today, 14)), today);
      await update(h, 'exceptionRequest', actors.transferringTm, { exceptionId: 'h1', kind: 'hold', reason: 'r' });
      await update(h, 'exceptionDecision', actors.transferringSm, { exceptionId: 'h1', decision: 'approve' });
      await update(h, 'exceptionDecision', actors.receivingSm, { exceptionId: 'h1', decision: 'approve' });
      await env.sleep('5 days');
      await update(h, 'exceptionRequest', actors.receivingTm, { exceptionId: 'r1', kind: 'resume', reason: 'r' });
      return h;
    },
  },
  {
    name: 'isl-cancelled-return-home',
    async run(env, id) {
      const today = await envToday(env);
      const h = await startTransfer(env.client, isl(id, today, plusDays(today, 20)), today);
      await update(h, 'trigger', actors.integration, { event: 'first-cla-review', on: today, outcome: 'return-home-within-12-weeks' });
      return h;
    },
  },
  {
    name: 'som-returned-to-meeting',
    async run(env, id) {
      const today = await envToday(env);
      const h = await startTransfer(env.client, protocolTransfer('somerset', 'som-at-to-sg', { event: 'icpc', date: today }, { transferId: id }), today);
      await update(h, 'decision', actors.receivingTm, { on: today, agreedTasks: ['assessment'] });
      await sleepUntil(env, calendar.breachInstant(calendar.addDays(today, 14)));
      const next = (await state(h)).meeting.scheduledOn!;
      await update(h, 'decision', actors.receivingTm, { on: next, agreedTasks: ['plan'] });
      return h;
    },
  },
  {
    name: 'swk-remediation-escalated',
    async run(env, id) {
      const today = await envToday(env);
      const review = calendar.addWorkingDays(today, 10);
      const h = await startTransfer(
        env.client,
        protocolTransfer('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: review }, { transferId: id, notifiedOn: today }),
        today,
      );
      await sleepUntil(env, calendar.startOfDay(review));
      await update(h, 'trigger', actors.integration, { event: 'cin-review', on: review });
      await update(h, 'remediation', actors.receivingTm, { letterOn: review, items: [{ itemId: 'chronology', description: 'gaps' }] });
      await sleepUntil(env, calendar.breachInstant(calendar.addDays(review, 14)));
      await update(h, 'remediation', actors.transferringTm, { itemId: 'chronology' });
      return h;
    },
  },
  {
    name: 'isl-late-acknowledgement',
    async run(env, id) {
      const today = await envToday(env);
      const h = await startTransfer(env.client, isl(id, today, plusDays(today, 30)), today);
      await sleepUntil(env, calendar.breachInstant(calendar.addWorkingDays(today, 2)));
      await update(h, 'acknowledgement', actors.receivingTm, {});
      return h;
    },
  },
];
