import { createReadStream } from "node:fs";

/** Longest line accepted; anything longer is not a MovieLens row (a binary or wrong file). */
export const MAX_LINE_BYTES = 1 << 20;

export class LineTooLongError extends Error {}

/**
 * Streams a file as blocks of whole lines: each block ends just after a "\n" (only the last may not), so
 * parsers never see a line split across blocks and a UTF-8 sequence is never cut (0x0A never occurs inside
 * one). A leading UTF-8 byte-order mark is dropped. `onBytes` reports bytes read so far.
 */
export async function* lineBlocks(
  path: string,
  onBytes?: (bytesRead: number) => void,
): AsyncGenerator<Buffer> {
  let carry: Buffer | null = null;
  let first = true;
  let bytesRead = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    let buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = null;
    if (first) {
      if (buf.length < 3) {
        carry = buf; // too short to tell whether it starts with a byte-order mark
        continue;
      }
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const lastNewline = buf.lastIndexOf(10);
    if (lastNewline < 0) {
      if (buf.length > MAX_LINE_BYTES) throw new LineTooLongError();
      carry = buf;
      continue;
    }
    if (lastNewline + 1 < buf.length) carry = buf.subarray(lastNewline + 1);
    onBytes?.(bytesRead);
    yield buf.subarray(0, lastNewline + 1);
  }
  if (carry && carry.length > 0) {
    onBytes?.(bytesRead);
    yield carry;
  }
}
