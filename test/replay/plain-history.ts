// Committed histories are kept decoded: they must replay on any machine, with no key. A history
// recorded through the codec is turned back into plain payloads before it is written.
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { isEncrypted } from '../../codec';

async function decodeAll(value: unknown, codec: PayloadCodec): Promise<unknown> {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const v = value as Record<string, unknown>;
  if (v.data instanceof Uint8Array && v.metadata && typeof v.metadata === 'object') {
    return isEncrypted(v as Payload) ? (await codec.decode([v as Payload]))[0] : v;
  }
  if (Array.isArray(value)) return Promise.all(value.map((x) => decodeAll(x, codec)));
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) out[k] = await decodeAll(child, codec);
  return out;
}

export async function plainHistory(history: temporal.api.history.v1.IHistory, codec: PayloadCodec): Promise<temporal.api.history.v1.IHistory> {
  return (await decodeAll(history, codec)) as temporal.api.history.v1.IHistory;
}
