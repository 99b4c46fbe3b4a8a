// GET /v1/transfers: a visibility query over the workflows' search attributes (no personal data),
// one page at a time, with Temporal's own page token passed through.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { z } from 'zod';
import { transferIdFromWorkflowId, WORKFLOW_TYPE } from '../workflows/definitions';
import type { listQuerySchema } from './schemas';
import { HttpProblem } from './problem';

type ListQuery = z.infer<typeof listQuerySchema>;

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function visibilityQuery(q: ListQuery, restrictToTeams?: string[]): string {
  const parts = [`WorkflowType = ${quote(WORKFLOW_TYPE)}`];
  if (q.authority) parts.push(`CtAuthority = ${quote(q.authority)}`);
  if (q.status) parts.push(`CtStatus = ${quote(q.status)}`);
  if (q.team) parts.push(`CtTeams = ${quote(q.team)}`);
  if (q.escalated !== undefined) parts.push(`CtEscalated = ${q.escalated}`);
  if (q.overdue !== undefined) parts.push(`CtOverdue = ${q.overdue}`);
  if (q.windowEndsBefore) parts.push(`CtWindowEndsOn < ${quote(`${q.windowEndsBefore}T00:00:00Z`)}`);
  if (restrictToTeams) {
    if (restrictToTeams.length === 0) parts.push('CtTeams = \'\'');
    else parts.push(`CtTeams IN (${restrictToTeams.map(quote).join(', ')})`);
  }
  return parts.join(' AND ');
}

function attr(sa: temporal.api.common.v1.ISearchAttributes | null | undefined, name: string): unknown {
  const payload = sa?.indexedFields?.[name];
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function listTransfers(client: Client, q: ListQuery, restrictToTeams?: string[]) {
  let nextPageToken: Uint8Array | undefined;
  if (q.nextPageToken) {
    nextPageToken = Buffer.from(q.nextPageToken, 'base64url');
    if (nextPageToken.length === 0) throw new HttpProblem(400, 'nextPageToken is not valid', { errors: [{ path: 'query.nextPageToken', message: 'not a page token' }] });
  }
  const resp = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    pageSize: q.pageSize,
    nextPageToken,
    query: visibilityQuery(q, restrictToTeams),
  });
  const items = (resp.executions ?? []).map((e) => {
    const sa = e.searchAttributes;
    const windowEndsOn = attr(sa, 'CtWindowEndsOn') as string | undefined;
    return {
      transferId: transferIdFromWorkflowId(e.execution?.workflowId ?? ''),
      authority: attr(sa, 'CtAuthority'),
      kind: attr(sa, 'CtKind'),
      status: attr(sa, 'CtStatus'),
      from: { team: attr(sa, 'CtFromTeam') },
      to: { team: attr(sa, 'CtToTeam') },
      escalated: attr(sa, 'CtEscalated') ?? false,
      overdue: attr(sa, 'CtOverdue') ?? false,
      windowEndsOn: windowEndsOn ? String(windowEndsOn).slice(0, 10) : undefined,
      startedAt: e.startTime?.seconds ? new Date(Number(e.startTime.seconds) * 1000).toISOString() : undefined,
      running: e.status === temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    };
  });
  const token = resp.nextPageToken && resp.nextPageToken.length ? Buffer.from(resp.nextPageToken).toString('base64url') : undefined;
  return { items, nextPageToken: token };
}
