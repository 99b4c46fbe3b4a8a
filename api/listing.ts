// GET /v1/transfers: a visibility query over the workflows' search attributes (no personal data),
// one page at a time, with Temporal's own page token passed through.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { z } from 'zod';
import { transferIdFromWorkflowId, WORKFLOW_TYPE } from '../workflows/definitions';
import { queryableTeamId, type listQuerySchema } from './schemas';
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
  if (q.deliveryFailed !== undefined) parts.push(`CtDeliveryFailed = ${q.deliveryFailed}`);
  if (q.windowEndsBefore) parts.push(`CtWindowEndsOn < ${quote(`${q.windowEndsBefore}T00:00:00Z`)}`);
  if (restrictToTeams) {
    // A token's team that no start accepts names no transfer, and would break the query.
    const teams = restrictToTeams.filter(queryableTeamId);
    if (teams.length === 0) parts.push('CtTeams = \'\'');
    else parts.push(`CtTeams IN (${teams.map(quote).join(', ')})`);
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

const badToken = () =>
  new HttpProblem(400, 'nextPageToken is not valid', {
    type: 'https://case-transfers.invalid/problems/validation',
    errors: [{ path: 'query.nextPageToken', message: 'not a page token of this listing (same filters)' }],
  });

// Temporal's own token wrapped with a digest of the query it continues: garbage or a token from
// other filters is refused here, without a round trip that Temporal would answer with an error.
const digestOf = (query: string) => createHash('sha256').update(query).digest('base64url').slice(0, 16);

function wrapToken(token: Uint8Array, query: string): string {
  return Buffer.from(JSON.stringify({ q: digestOf(query), t: Buffer.from(token).toString('base64') })).toString('base64url');
}

function unwrapToken(wrapped: string, query: string): Uint8Array {
  try {
    const parsed = JSON.parse(Buffer.from(wrapped, 'base64url').toString('utf8')) as { q?: unknown; t?: unknown };
    if (parsed.q !== digestOf(query) || typeof parsed.t !== 'string' || !parsed.t) throw badToken();
    return Buffer.from(parsed.t, 'base64');
  } catch {
    throw badToken();
  }
}

export async function listTransfers(client: Client, q: ListQuery, restrictToTeams?: string[]) {
  const query = visibilityQuery(q, restrictToTeams);
  const nextPageToken = q.nextPageToken ? unwrapToken(q.nextPageToken, query) : undefined;
  let resp: temporal.api.workflowservice.v1.IListWorkflowExecutionsResponse;
  try {
    resp = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      pageSize: q.pageSize,
      nextPageToken,
      query,
    });
  } catch (err) {
    // INVALID_ARGUMENT or UNKNOWN with a token: the filters are validated, so Temporal refused the token.
    const code = (err as { code?: number }).code;
    if (nextPageToken && (code === 3 || code === 2)) throw badToken();
    throw err;
  }
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
      deliveryFailed: attr(sa, 'CtDeliveryFailed') ?? false,
      windowEndsOn: windowEndsOn ? String(windowEndsOn).slice(0, 10) : undefined,
      startedAt: e.startTime?.seconds ? new Date(Number(e.startTime.seconds) * 1000).toISOString() : undefined,
      running: e.status === temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    };
  });
  const token = resp.nextPageToken && resp.nextPageToken.length ? wrapToken(resp.nextPageToken, query) : undefined;
  return { items, nextPageToken: token };
}
