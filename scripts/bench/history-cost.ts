// What one workflow run costs: its history (events, encoded bytes) and the Temporal Cloud billable
// actions visible in it, counted by the published rules (docs.temporal.io, "Temporal Cloud Actions"):
// a start (client, continue-as-new or child), each signal, timer started, search-attribute upsert,
// activity attempt, and all local activities of one workflow task together as one. Queries and
// updates (rejected ones included) are counted from the client's calls instead (call-counter.ts).
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;
type History = temporal.api.history.v1.IHistory;

export interface HistoryCost {
  events: number;
  bytes: number;
  /** Encoded bytes by event type (the largest show where a transfer's history goes). */
  bytesByType: Record<string, number>;
  /** Actions by kind, from the history alone. */
  actions: { starts: number; signals: number; updatesAccepted: number; timers: number; upserts: number; activities: number; localActivityTasks: number; children: number };
}

export function costOfHistory(history: History): HistoryCost {
  const events = history.events ?? [];
  const actions = { starts: 0, signals: 0, updatesAccepted: 0, timers: 0, upserts: 0, activities: 0, localActivityTasks: 0, children: 0 };
  const localActivityTasks = new Set<string>();
  const startedAttempts = new Map<string, number>();
  const bytesByType: Record<string, number> = {};
  for (const e of events) {
    const type = EventType[e.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? String(e.eventType);
    bytesByType[type] = (bytesByType[type] ?? 0) + temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: actions.starts += 1; break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: actions.signals += 1; break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: actions.updatesAccepted += 1; break;
      case EventType.EVENT_TYPE_TIMER_STARTED: actions.timers += 1; break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: actions.upserts += 1; break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: actions.children += 2; break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: startedAttempts.set(String(e.eventId), 1); break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const a = e.activityTaskStartedEventAttributes!;
        startedAttempts.set(String(a.scheduledEventId), Math.max(1, a.attempt ?? 1));
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const m = e.markerRecordedEventAttributes!;
        if (m.markerName === 'core_local_activity') localActivityTasks.add(String(m.workflowTaskCompletedEventId));
        break;
      }
      default:
    }
  }
  for (const attempts of startedAttempts.values()) actions.activities += attempts;
  actions.localActivityTasks = localActivityTasks.size;
  return { events: events.length, bytes: temporal.api.history.v1.History.encode(history).finish().length, bytesByType, actions };
}

/** Every run of a workflow id, following continue-as-new from the first run. */
export async function costOfWorkflow(client: Client, workflowId: string): Promise<HistoryCost> {
  const described = await client.workflow.getHandle(workflowId).describe();
  const firstRunId = described.raw.workflowExecutionInfo?.firstRunId || described.runId;
  const total: HistoryCost = { events: 0, bytes: 0, bytesByType: {}, actions: { starts: 0, signals: 0, updatesAccepted: 0, timers: 0, upserts: 0, activities: 0, localActivityTasks: 0, children: 0 } };
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const cost = costOfHistory(history);
    total.events += cost.events;
    total.bytes += cost.bytes;
    for (const [k, v] of Object.entries(cost.bytesByType)) total.bytesByType[k] = (total.bytesByType[k] ?? 0) + v;
    for (const k of Object.keys(total.actions) as (keyof HistoryCost['actions'])[]) total.actions[k] += cost.actions[k];
    const last: temporal.api.history.v1.IHistoryEvent | undefined = history.events?.[history.events.length - 1];
    runId = last?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
      ? last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined
      : undefined;
  }
  return total;
}

/** History actions plus the client calls that are billed but leave no event (queries, rejected updates). */
export function billableActions(cost: HistoryCost, calls: { queries: number; updates: number }): number {
  const a = cost.actions;
  return a.starts + a.signals + a.timers + a.upserts + a.activities + a.localActivityTasks + a.children + calls.queries + calls.updates;
}
