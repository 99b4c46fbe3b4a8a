// Deflate dictionaries for the payload codec. A transfer's payloads (its state, schedules, published
// messages) repeat the same field names and policy texts; a dictionary of them lets deflate refer
// back to that text instead of spelling it out in every payload, which on small payloads halves what
// is left. Each dictionary has a number, the payload's compression metadata names it, and a number
// once used is never reused for other text: a new dictionary gets the next number, and the old ones
// stay here so that every payload sealed with them still opens.
import { DICTIONARY_1 } from './dictionary-1';

export const DICTIONARIES: ReadonlyMap<string, Buffer> = new Map([['1', Buffer.from(DICTIONARY_1, 'utf8')]]);

/** The dictionary new payloads are compressed with. */
export const CURRENT_DICTIONARY = '1';
