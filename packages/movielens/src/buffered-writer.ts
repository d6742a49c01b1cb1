import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { finished } from "node:stream/promises";

/**
 * Line writer for large generated files: lines are batched into ~64 KiB strings before they reach the
 * stream, and `drain()` waits for the disk when the stream is backed up, so memory stays flat however many
 * lines are written. Writes go to `<path>.partial`, renamed on `close()`, so an interrupted run never
 * leaves a file that looks complete.
 */
export class BufferedFileWriter {
  private readonly stream: WriteStream;
  private pending = "";
  private backedUp = false;

  constructor(private readonly path: string) {
    this.stream = createWriteStream(`${path}.partial`);
  }

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= 65536) this.flush();
  }

  /** Await after a batch of writes: resolves at once unless the stream is over its high-water mark. */
  async drain(): Promise<void> {
    if (!this.backedUp) return;
    this.backedUp = false;
    await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    this.flush();
    this.stream.end();
    await finished(this.stream);
    await rename(`${this.path}.partial`, this.path);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    if (!this.stream.write(this.pending)) this.backedUp = true;
    this.pending = "";
  }
}
