// My work: what is waiting for the signed-in person. Visibility finds the transfers of their teams
// (every team for operators); their current states say which escalations and exceptions wait for
// this person and which deadlines fall this week. Bounded: the most recent transfers only.
import type { Client } from '@temporalio/client';
import { COMPLETED_STATUSES, TERMINAL_STATUSES, type TransferState } from '../../workflows/definitions';
import type { Principal } from '../auth';
import { listTransfers } from '../listing';
import type { listQuerySchema } from '../schemas';
import { seesAll, type TransferService } from '../transfers';
import type { z } from 'zod';
import { caseLabel, day, esc, escalationAnswerPath, exceptionApprovalPath, exceptionLabel, londonToday, mayAnswer, mayDecide, plusDays, sidesToAnswer, tag, transferPath, when } from './view-model';

/** How many transfers My work reads the state of, newest first. */
export const MY_WORK_LIMIT = 50;

const transferLink = (s: TransferState) => ({ html: `<a class="govuk-link" href="${esc(transferPath(s.transferId))}">${esc(caseLabel(s))}</a>` });

export async function myWork(client: Client, transfers: TransferService, principal: Principal) {
  const allTeams = seesAll(principal);
  const query = { pageSize: MY_WORK_LIMIT } as z.infer<typeof listQuerySchema>;
  const page = await transfers.temporal(() => listTransfers(client, query, allTeams ? undefined : principal.teams));
  const listed = page.items.filter((i) => i.running);
  const states = (await Promise.all(listed.map((i) => transfers.loadState(i.transferId).catch(() => undefined)))).filter(
    (s): s is TransferState => Boolean(s) && !TERMINAL_STATUSES.includes(s!.status),
  );

  const today = londonToday();
  const weekEnds = plusDays(today, 7);
  const escalations = states.flatMap((s) =>
    s.escalations
      .filter((e) => e.state === 'open' && (allTeams || mayAnswer(principal, s, e)))
      .map((e) => [
        transferLink(s),
        { text: `${e.reason} (level ${e.level}, to ${e.to.name ?? e.to.id})` },
        { text: when(e.respondBy) },
        { html: mayAnswer(principal, s, e) ? `<a class="govuk-link" href="${esc(escalationAnswerPath(s.transferId, e.escalationId))}">Answer<span class="govuk-visually-hidden"> the escalation for ${esc(caseLabel(s))}</span></a>` : '' },
      ]),
  );
  const exceptions = states.flatMap((s) =>
    s.exceptions
      .filter((x) => x.state === 'pending' && (allTeams || mayDecide(principal, s, x)))
      .map((x) => [
        transferLink(s),
        { text: `${exceptionLabel(x)}: ${x.reason}` },
        { text: `${sidesToAnswer(x)} side, ${x.minRank} or above` },
        { html: mayDecide(principal, s, x) ? `<a class="govuk-link" href="${esc(exceptionApprovalPath(s.transferId, x.exceptionId))}">Approve or reject<span class="govuk-visually-hidden"> the exception for ${esc(caseLabel(s))}</span></a>` : '' },
      ]),
  );
  const deadlines = states
    .filter((s) => !COMPLETED_STATUSES.includes(s.status) || s.status === 'post-transfer')
    .flatMap((s) => s.deadlines.filter((d) => d.state === 'pending' && d.dueOn <= weekEnds).map((d) => ({ s, d })))
    .sort((a, b) => a.d.due.localeCompare(b.d.due))
    .map(({ s, d }) => [transferLink(s), { text: d.what }, { text: d.rule }, { html: `${esc(when(d.due))}${d.dueOn < today ? ` ${tag('missed')}` : ''}` }]);
  const byId = new Map(states.map((s) => [s.transferId, s]));
  const attention = listed
    .filter((i) => (i.overdue || i.escalated) && byId.has(i.transferId))
    .map((i) => {
      const s = byId.get(i.transferId)!;
      return [
        transferLink(s),
        { text: s.from.team },
        { text: s.to.team },
        { html: `${tag(s.status)}${i.overdue ? ` ${tag('missed')}` : ''}${i.escalated ? ' <strong class="govuk-tag govuk-tag--orange">escalated</strong>' : ''}` },
        { text: s.window ? day(s.window.endsOn) : '' },
      ];
    });
  const deliveryFailures = allTeams
    ? states.flatMap((s) => s.deliveryFailures.map((f) => [transferLink(s), { text: f.channel }, { text: f.event }, { text: when(f.at) }, { text: f.error }]))
    : [];
  return {
    allTeams,
    teams: principal.teams,
    considered: MY_WORK_LIMIT,
    truncated: Boolean(page.nextPageToken),
    weekEnds: day(weekEnds),
    escalations,
    exceptions,
    deadlines,
    attention,
    deliveryFailures,
  };
}
