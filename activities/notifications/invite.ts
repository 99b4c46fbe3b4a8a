// The calendar invite attached to a "meeting scheduled" mail, generated with the `ics` package.
// All-day by default; with a configured time, the start is the London wall-clock time written in
// UTC, so every calendar shows it at the right local time on both sides of a clock change.
import { createEvent, type DateArray, type EventAttributes } from 'ics';
import { DateTime } from 'luxon';
import { LONDON, londonWallTime } from './london';

export interface InviteInput {
  /** Stable per transfer, so a re-scheduled meeting replaces the earlier invite in a calendar. */
  uid: string;
  /** Increases with every change (the message's sequence number). */
  sequence: number;
  on: string;
  time?: string;
  minutes: number;
  title: string;
  description: string;
  url?: string;
  organizer?: { name?: string; email: string };
}

function dateArray(dt: DateTime): DateArray {
  return [dt.year, dt.month, dt.day];
}

export function meetingInvite(input: InviteInput): string {
  const day = DateTime.fromISO(input.on, { zone: LONDON });
  if (!day.isValid) throw new Error(`meeting date ${input.on} is not a date`);
  const common = {
    uid: input.uid,
    sequence: input.sequence,
    title: input.title,
    description: input.description,
    url: input.url,
    organizer: input.organizer,
    productId: 'case-transfers',
    method: 'PUBLISH',
    status: 'CONFIRMED' as const,
    busyStatus: 'BUSY' as const,
  };
  const attributes: EventAttributes = input.time
    ? {
        ...common,
        start: londonWallTime(input.on, input.time).toMillis(),
        startInputType: 'utc',
        startOutputType: 'utc',
        duration: { minutes: input.minutes },
      }
    : { ...common, start: dateArray(day), end: dateArray(day.plus({ days: 1 })) };
  const { error, value } = createEvent(attributes);
  if (error || !value) throw new Error(`could not build the meeting invite: ${error?.message ?? 'empty'}`);
  return value;
}
