// Dates and times as people in the authorities read them: Europe/London, en-GB.
import { DateTime } from 'luxon';

export const LONDON = 'Europe/London';

/** "Tuesday 5 January 2027 at 09:00 GMT" (BST in summer). */
export function formatInstant(iso: string): string {
  const dt = DateTime.fromISO(iso, { setZone: true }).setZone(LONDON).setLocale('en-GB');
  return dt.isValid ? dt.toFormat("cccc d LLLL yyyy 'at' HH:mm ZZZZ") : iso;
}

/** "Tuesday 5 January 2027". */
export function formatDate(isoDate: string): string {
  const dt = DateTime.fromISO(isoDate, { zone: LONDON }).setLocale('en-GB');
  return dt.isValid ? dt.toFormat('cccc d LLLL yyyy') : isoDate;
}

/** The instant a London wall-clock time on a date stands for. */
export function londonWallTime(isoDate: string, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number);
  return DateTime.fromISO(isoDate, { zone: LONDON }).set({ hour, minute, second: 0, millisecond: 0 });
}
