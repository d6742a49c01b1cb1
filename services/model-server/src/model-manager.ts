/**
 * The lifecycle of one model: watch its base path, load and warm the aspired version before serving it,
 * switch unversioned requests to it, then unload the old one once its in-flight requests finish — TF
 * Serving's AvailabilityPreservingPolicy. A version that fails to load is refused and logged; whatever is
 * serving keeps serving, and the load is retried when the directory's files change or on TF's retry timer.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { listVersions, MODEL_FILE, SIGNATURE_FILE, type VersionDir } from "@wren/onnx";
import type { Logger } from "./logger.js";
import { Servable } from "./servable.js";
import { TfCode } from "./tf-error.js";

export type VersionState = "START" | "LOADING" | "AVAILABLE" | "UNLOADING" | "END";

export interface VersionStatus {
  version: number;
  state: VersionState;
  errorCode: TfCode;
  errorMessage: string;
}

/** ServableVersionPolicy: the N highest versions (default 1), all of them, or a fixed list. */
export type VersionPolicy = { latest: number } | { all: true } | { specific: number[] };

export interface ModelConfig {
  name: string;
  basePath: string;
  versionPolicy?: VersionPolicy;
  /** Label → version, e.g. { stable: 1, canary: 2 }. */
  versionLabels?: Record<string, number>;
}

export interface ModelManagerOptions {
  onStateChange?(model: string, version: number, state: VersionState): void;
  /** TF's --max_num_load_retries (default 5): timed retries of a failed load whose files did not change. */
  maxLoadRetries?: number;
  /** TF's --load_retry_interval_micros, in ms (default 60 000). */
  loadRetryIntervalMs?: number;
}

interface FailedLoad {
  /** Fingerprint of the files the load saw: a change retries at once. */
  print: string;
  retriesLeft: number;
  retryAt: number;
}

async function fingerprint(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const f of [dir, join(dir, MODEL_FILE), join(dir, SIGNATURE_FILE)]) {
    try {
      const s = await stat(f);
      parts.push(`${s.mtimeMs}:${s.size}`);
    } catch {
      parts.push("-");
    }
  }
  return parts.join("|");
}

export class ModelManager {
  private readonly statuses = new Map<number, VersionStatus>();
  private readonly servables = new Map<number, Servable>();
  /** Version → its last failed load; retried when its files change, or on the retry timer. */
  private readonly failed = new Map<number, FailedLoad>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly unloading = new Set<Promise<void>>();
  private lastBaseWarning = "";
  private polling?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private config: ModelConfig,
    private readonly log: Logger,
    private readonly options: ModelManagerOptions = {},
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** The highest AVAILABLE version (TF's `Latest(name)`). */
  latest(): Servable | undefined {
    let best: Servable | undefined;
    for (const s of this.servables.values()) if (!best || s.version > best.version) best = s;
    return best;
  }

  get(version: number): Servable | undefined {
    return this.servables.get(version);
  }

  labelVersion(label: string): number | undefined {
    const labels = this.config.versionLabels ?? {};
    return Object.hasOwn(labels, label) ? labels[label] : undefined;
  }

  /** Every version seen since start, highest first (END ones included, as TF keeps them). */
  versionStatuses(): VersionStatus[] {
    return [...this.statuses.values()].sort((a, b) => b.version - a.version);
  }

  availableVersions(): number[] {
    return [...this.servables.keys()].sort((a, b) => a - b);
  }

  /**
   * Polls once now, then every `pollSeconds` (0: never again; negative: no polling at all after the first
   * scan, as TF's test-only setting). Resolves after the first scan's loads finished.
   */
  async start(pollSeconds: number): Promise<void> {
    await this.pollNow();
    if (pollSeconds > 0) this.scheduleNext(pollSeconds * 1000);
  }

  private scheduleNext(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.pollNow();
      this.scheduleNext(ms);
    }, ms);
    this.timer.unref();
  }

  /** A new version policy or labels from a re-read config file (same name and base path); applied by a scan. */
  reconfigure(config: ModelConfig): Promise<void> {
    this.config = config;
    return this.pollNow();
  }

  get basePath(): string {
    return this.config.basePath;
  }

  /** Runs one scan, or waits for the one already running. */
  pollNow(): Promise<void> {
    if (!this.polling)
      this.polling = this.scan()
        .catch((err) => this.log.error(`model ${this.name}: poll failed: ${(err as Error).message}`))
        .finally(() => {
          this.polling = undefined;
        });
    return this.polling;
  }

  private setState(version: number, state: VersionState, errorCode = TfCode.OK, errorMessage = ""): void {
    this.statuses.set(version, { version, state, errorCode, errorMessage });
    this.options.onStateChange?.(this.name, version, state);
  }

  private aspired(onDisk: VersionDir[]): VersionDir[] {
    const policy = this.config.versionPolicy ?? { latest: 1 };
    if ("all" in policy) return onDisk;
    if ("specific" in policy) {
      for (const v of policy.specific)
        if (!onDisk.some((d) => d.version === v))
          this.log.warn(
            `model ${this.name}: version ${v} of the specific version policy is not under ${this.config.basePath}`,
          );
      return onDisk.filter((d) => policy.specific.includes(d.version));
    }
    return onDisk.slice(-Math.max(1, policy.latest));
  }

  private async scan(): Promise<void> {
    if (this.stopped) return;
    const { basePath } = this.config;
    let onDisk: VersionDir[];
    try {
      await stat(basePath);
      onDisk = await listVersions(basePath);
    } catch {
      this.warnOnce(`Could not find base path ${basePath} for servable ${this.name}`);
      return;
    }
    if (onDisk.length === 0) {
      this.warnOnce(`No versions of servable ${this.name} found under base path ${basePath}`);
      return;
    }
    this.lastBaseWarning = "";
    const aspired = this.aspired(onDisk);
    for (const d of [...aspired].reverse()) await this.tryLoad(d);
    const keep = new Set(aspired.filter((d) => this.servables.has(d.version)).map((d) => d.version));
    if (keep.size === 0)
      // Every aspired version was refused: serve the highest version that loads, rather than nothing (TF
      // would serve nothing at start-up, or keep the old version forever).
      for (const d of [...onDisk].reverse()) {
        if (aspired.includes(d)) continue;
        const wasServing = this.servables.has(d.version);
        if (wasServing || (await this.tryLoad(d))) {
          if (!wasServing)
            this.log.warn(
              `model ${this.name}: serving version ${d.version} because newer versions failed to load`,
            );
          keep.add(d.version);
          break;
        }
      }
    // Availability first: nothing is unloaded until a version to keep is serving.
    if (keep.size === 0) return;
    for (const version of [...this.servables.keys()]) if (!keep.has(version)) this.unload(version);
  }

  private warnOnce(msg: string): void {
    if (msg === this.lastBaseWarning) return;
    this.lastBaseWarning = msg;
    this.log.warn(msg);
  }

  /**
   * Loads a version unless it is loaded, or failed with the same files and no retry is due; true when it
   * is serving.
   */
  private async tryLoad(d: VersionDir): Promise<boolean> {
    if (this.servables.has(d.version)) return true;
    const state = this.statuses.get(d.version)?.state;
    if (state === "UNLOADING") return false;
    const print = await fingerprint(d.dir);
    const failure = this.failed.get(d.version);
    const sameFiles = failure?.print === print;
    if (failure && sameFiles && !(failure.retriesLeft > 0 && Date.now() >= failure.retryAt)) return false;
    this.setState(d.version, "LOADING");
    try {
      const servable = await Servable.load(this.name, d.dir);
      if (this.stopped) {
        await servable.unload();
        return false;
      }
      this.servables.set(d.version, servable);
      this.failed.delete(d.version);
      this.setState(d.version, "AVAILABLE");
      this.log.info(`model ${this.name}: version ${d.version} is AVAILABLE (${d.dir})`);
      return true;
    } catch (err) {
      const msg = (err as Error).message;
      const max = this.options.maxLoadRetries ?? 5;
      const retriesLeft = failure && sameFiles ? failure.retriesLeft - 1 : max;
      const intervalMs = this.options.loadRetryIntervalMs ?? 60_000;
      this.failed.set(d.version, { print, retriesLeft, retryAt: Date.now() + intervalMs });
      this.setState(d.version, "END", TfCode.UNKNOWN, msg);
      const retry =
        retriesLeft > 0 ? ` (retry ${max - retriesLeft + 1} of ${max} in ${intervalMs / 1000} s)` : "";
      this.log.error(`model ${this.name}: refusing version ${d.version}: ${msg}${retry}`);
      if (retriesLeft > 0) this.retryLater(intervalMs);
      return false;
    }
  }

  /** A scan when a retry is due, also when polling is off (--file_system_poll_wait_seconds=0). */
  private retryLater(ms: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.pollNow();
    }, ms);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /** New requests stop seeing the version at once; its session is freed after in-flight ones finish. */
  private unload(version: number): void {
    const servable = this.servables.get(version);
    if (!servable) return;
    this.servables.delete(version);
    this.setState(version, "UNLOADING");
    const done = servable
      .unload()
      .then(() => {
        this.setState(version, "END");
        this.log.info(`model ${this.name}: version ${version} unloaded`);
      })
      .catch((err) =>
        this.log.error(`model ${this.name}: unloading version ${version}: ${(err as Error).message}`),
      )
      .finally(() => this.unloading.delete(done));
    this.unloading.add(done);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const t of this.retryTimers) clearTimeout(t);
    await this.polling;
    for (const version of [...this.servables.keys()]) this.unload(version);
    await Promise.all(this.unloading);
  }
}
