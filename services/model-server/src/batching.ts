/**
 * Server-side batching (--enable_batching): concurrent predict calls on the same version and signature are
 * concatenated along dim 0, run once, and the outputs split back. Semantics and messages follow TF's
 * SharedBatchScheduler: a task larger than max_batch_size is refused, a full queue is UNAVAILABLE.
 */
import type { SignatureDefSpec } from "@wren/onnx";
import { allocTensor, elementCount, type Tensor } from "@wren/tfserving-client";
import type { NamedTensors } from "./json-response.js";
import type { Servable } from "./servable.js";
import { invalidArgument, TfCode, TfError } from "./tf-error.js";

export interface BatchingParameters {
  maxBatchSize: number;
  batchTimeoutMicros: number;
  maxEnqueuedBatches: number;
}

export const DEFAULT_BATCHING: BatchingParameters = {
  maxBatchSize: 1000,
  batchTimeoutMicros: 0,
  maxEnqueuedBatches: 10,
};

interface Task {
  inputs: ReadonlyMap<string, Tensor>;
  size: number;
  resolve(out: NamedTensors): void;
  reject(err: unknown): void;
}

interface Queue {
  servable: Servable;
  sig: SignatureDefSpec;
  outputs: readonly string[];
  open: Task[];
  openSize: number;
  closed: Task[][];
  timer?: NodeJS.Timeout | NodeJS.Immediate;
  running: boolean;
}

function batchSize(inputs: ReadonlyMap<string, Tensor>): number {
  let size = -1;
  for (const t of inputs.values()) {
    if (t.dims.length === 0)
      throw invalidArgument("Batching session Run() requires all inputs to have rank >= 1");
    if (size < 0) size = t.dims[0];
    else if (t.dims[0] !== size)
      throw invalidArgument("Batching session Run() input tensors must have equal 0th-dimension size");
  }
  return size;
}

function concat(tensors: Tensor[], total: number): Tensor {
  const first = tensors[0];
  const out = allocTensor(first.dtype, [total, ...first.dims.slice(1)]);
  let offset = 0;
  for (const t of tensors) {
    if (Array.isArray(out.data))
      for (const [i, v] of (t.data as Uint8Array[]).entries()) out.data[offset + i] = v;
    else (out.data as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(t.data, offset);
    offset += t.data.length;
  }
  return out;
}

function slice(t: Tensor, start: number, count: number): Tensor {
  const inner = elementCount(t.dims.slice(1));
  const dims = [count, ...t.dims.slice(1)];
  return { dtype: t.dtype, dims, data: t.data.slice(start * inner, (start + count) * inner) } as Tensor;
}

export class BatchScheduler {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly params: BatchingParameters = DEFAULT_BATCHING,
    private readonly onBatch?: (model: string, requests: number) => void,
  ) {}

  submit(
    servable: Servable,
    sigKey: string,
    sig: SignatureDefSpec,
    inputs: ReadonlyMap<string, Tensor>,
    outputs: readonly string[],
  ): Promise<NamedTensors> {
    const size = batchSize(inputs);
    // Check each task alone, so one bad request cannot fail the batch it would have joined.
    servable.validateInputs(sig, inputs);
    if (size > this.params.maxBatchSize)
      throw invalidArgument(
        `Task size ${size} is larger than maximum input batch size ${this.params.maxBatchSize}`,
      );
    // Only tasks whose per-row shapes and dtypes agree can share a batch.
    const shapeKey = [...inputs]
      .map(([a, t]) => `${a}:${t.dtype}:${t.dims.slice(1).join("x")}`)
      .sort()
      .join(",");
    const key = `${servable.modelName}/${servable.version}/${sigKey}/${outputs.join(",")}/${shapeKey}`;
    let q = this.queues.get(key);
    if (!q) {
      q = { servable, sig, outputs, open: [], openSize: 0, closed: [], running: false };
      this.queues.set(key, q);
    }
    const queue = q;
    return new Promise<NamedTensors>((resolve, reject) => {
      if (queue.openSize + size > this.params.maxBatchSize) this.close(queue);
      if (queue.closed.length >= this.params.maxEnqueuedBatches) {
        reject(
          new TfError(
            TfCode.UNAVAILABLE,
            "The batch scheduling queue to which this task was submitted is full",
          ),
        );
        return;
      }
      // The batch holds the version: it must not be freed until the batch ran.
      servable.acquire();
      queue.open.push({ inputs, size, resolve, reject });
      queue.openSize += size;
      if (!queue.timer) {
        const flush = () => {
          queue.timer = undefined;
          this.close(queue);
        };
        queue.timer =
          this.params.batchTimeoutMicros > 0
            ? setTimeout(flush, this.params.batchTimeoutMicros / 1000)
            : setImmediate(flush);
      }
    });
  }

  private close(q: Queue): void {
    if (q.open.length === 0) return;
    q.closed.push(q.open);
    q.open = [];
    q.openSize = 0;
    void this.drain(q);
  }

  private async drain(q: Queue): Promise<void> {
    if (q.running) return;
    q.running = true;
    while (q.closed.length > 0) {
      const tasks = q.closed.shift() as Task[];
      await this.runBatch(q, tasks);
    }
    q.running = false;
  }

  private async runBatch(q: Queue, tasks: Task[]): Promise<void> {
    try {
      const total = tasks.reduce((n, t) => n + t.size, 0);
      const inputs = new Map<string, Tensor>();
      for (const alias of tasks[0].inputs.keys())
        inputs.set(
          alias,
          concat(
            tasks.map((t) => t.inputs.get(alias) as Tensor),
            total,
          ),
        );
      this.onBatch?.(q.servable.modelName, tasks.length);
      const outputs = await q.servable.runValidated(q.sig, inputs, q.outputs);
      for (const [alias, t] of outputs)
        if (t.dims[0] !== total)
          throw new TfError(
            TfCode.INTERNAL,
            `Batched output ${alias} has ${t.dims[0]} rows for ${total} inputs`,
          );
      let start = 0;
      for (const task of tasks) {
        task.resolve(outputs.map(([alias, t]) => [alias, slice(t, start, task.size)] as const));
        start += task.size;
      }
    } catch (err) {
      for (const task of tasks) task.reject(err);
    } finally {
      for (const _ of tasks) q.servable.release();
    }
  }
}
