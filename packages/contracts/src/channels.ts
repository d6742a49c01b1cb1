/**
 * Recall channels. A candidate's channels travel as a bit mask (bit i = RECALL_CHANNELS[i]) so that 800
 * candidates cost 800 small integers, not 800 string arrays. Append new channels at the end only: the
 * order is part of the wire format of `wren.recall.v1`.
 */
export const RECALL_CHANNELS = ["popular", "top-rated", "genre", "i2v", "two-tower", "cold-start"] as const;

export type RecallChannel = (typeof RECALL_CHANNELS)[number];

export function channelBit(channel: RecallChannel): number {
  return 1 << RECALL_CHANNELS.indexOf(channel);
}

export function channelMask(channels: Iterable<RecallChannel>): number {
  let mask = 0;
  for (const c of channels) mask |= channelBit(c);
  return mask;
}

export function channelsOf(mask: number): RecallChannel[] {
  return RECALL_CHANNELS.filter((_, i) => (mask & (1 << i)) !== 0);
}
