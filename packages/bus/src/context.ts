import type { MsgHdrs } from "@nats-io/transport-node";
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

/** Remaining budget of the sender in milliseconds, relative so clocks of different hosts never matter. */
export const BUDGET_HEADER = "Wren-Budget-Ms";
/** Codec of the payload and the one the requester accepts back. */
export const CODEC_HEADER = "Wren-Codec";

/** W3C trace context into NATS headers. */
export const headerSetter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** W3C trace context out of NATS headers; names compared case-insensitively, as HTTP does. */
export const headerGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier ? carrier.keys() : []),
  get: (carrier, key) => {
    if (!carrier) return undefined;
    const lower = key.toLowerCase();
    for (const k of carrier.keys()) if (k.toLowerCase() === lower) return carrier.get(k);
    return undefined;
  },
};

/** Case-insensitive single header read ("" when absent). */
export function readHeader(h: MsgHdrs | undefined, name: string): string {
  return (headerGetter.get(h, name) as string | undefined) ?? "";
}
