// The case-transfer workflow's public contract: the Temporal message definitions (signals, updates,
// the state query) and search-attribute keys, plus everything in ./contract (types, failure types,
// permissions). Shared by the workflow, the activities (types only) and the API. It may import only
// @temporalio/workflow, @temporalio/common and ./contract.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import { EVENT_NAMES, type EventEnvelope, type EventName, type EventPayloads, type EventResult, type MigratePolicyInput, type TransferState } from './contract';

export * from './contract';

type SignalDefs = { [E in EventName]: ReturnType<typeof defineSignal<[EventEnvelope<EventPayloads[E]>]>> };
type UpdateDefs = {
  [E in EventName]: ReturnType<typeof defineUpdate<EventResult, [EventEnvelope<EventPayloads[E]>]>>;
};

/** Signals: the contract for integrations that talk to Temporal directly. */
export const eventSignals = Object.fromEntries(
  EVENT_NAMES.map((name) => [name, defineSignal<[EventEnvelope<unknown>]>(name)]),
) as unknown as SignalDefs;

/** Updates: the same events with a synchronous answer (the API's path). */
export const eventUpdates = Object.fromEntries(
  EVENT_NAMES.map((name) => [name, defineUpdate<EventResult, [EventEnvelope<unknown>]>(name)]),
) as unknown as UpdateDefs;

export const getStateQuery = defineQuery<TransferState>('getState');

/** What the start update answers: the state once the start has committed, and whether this was the first start request. */
export interface StartAnswer {
  first: boolean;
  state: TransferState;
}
/**
 * The API's start, sent with the workflow start in one call (update-with-start): it waits for the
 * start step and answers the state, so the API polls nothing. Refused (type `Conflict`) when the
 * transfer was started with a different body.
 */
export const startUpdate = defineUpdate<StartAnswer, [{ requestHash: string }]>('start');

// ---------------------------------------------------------------------------------------------
// Search attributes: no personal data, only what operators filter by.

export const SA = {
  authority: defineSearchAttributeKey('CtAuthority', 'KEYWORD'),
  status: defineSearchAttributeKey('CtStatus', 'KEYWORD'),
  kind: defineSearchAttributeKey('CtKind', 'KEYWORD'),
  teams: defineSearchAttributeKey('CtTeams', 'KEYWORD_LIST'),
  fromTeam: defineSearchAttributeKey('CtFromTeam', 'KEYWORD'),
  toTeam: defineSearchAttributeKey('CtToTeam', 'KEYWORD'),
  windowEndsOn: defineSearchAttributeKey('CtWindowEndsOn', 'DATETIME'),
  deliveryFailed: defineSearchAttributeKey('CtDeliveryFailed', 'BOOL'),
  escalated: defineSearchAttributeKey('CtEscalated', 'BOOL'),
  overdue: defineSearchAttributeKey('CtOverdue', 'BOOL'),
} as const;

export const SEARCH_ATTRIBUTE_KEYS = Object.values(SA);

/** `NAME=Type` pairs for the dev server's `--search-attribute` flag. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    KEYWORD_LIST: 'KeywordList',
    DATETIME: 'Datetime',
    BOOL: 'Bool',
    INT: 'Int',
  };
  return SEARCH_ATTRIBUTE_KEYS.map((k) => `${k.name}=${cliType[k.type]}`);
}

// ---------------------------------------------------------------------------------------------
// Operator migration (DOMAIN §3.7: a transfer keeps its version unless an operator moves it).

export const migratePolicyUpdate = defineUpdate<EventResult, [MigratePolicyInput]>('migratePolicy');
