/** All configured models, and TF Serving's rules for resolving a ModelSpec to a loaded version. */
import type { Logger } from "./logger.js";
import {
  type ModelConfig,
  ModelManager,
  type ModelManagerOptions,
  type VersionStatus,
} from "./model-manager.js";
import type { Servable } from "./servable.js";
import { invalidArgument, notFound } from "./tf-error.js";

export interface ModelSpec {
  name: string;
  version?: number;
  versionLabel?: string;
  signatureName?: string;
}

function checkUnique(configs: readonly ModelConfig[]): void {
  const names = new Set<string>();
  for (const c of configs) {
    if (names.has(c.name)) throw new Error(`model ${c.name} is configured twice`);
    names.add(c.name);
  }
}

export class ModelRegistry {
  private readonly models = new Map<string, ModelManager>();
  private pollSeconds = 1;

  constructor(
    configs: readonly ModelConfig[],
    private readonly log: Logger,
    private readonly options: ModelManagerOptions = {},
  ) {
    checkUnique(configs);
    for (const c of configs) this.models.set(c.name, new ModelManager(c, log, options));
  }

  /**
   * A re-read config file (--model_config_file_poll_wait_seconds), as TF's ReloadConfig: new models load,
   * models no longer listed unload once their in-flight requests finish, others take new labels and
   * version policies. A model whose base path changed is loaded afresh before the old one goes.
   */
  async reconfigure(configs: readonly ModelConfig[]): Promise<void> {
    checkUnique(configs);
    const wanted = new Map(configs.map((c) => [c.name, c]));
    const retired: ModelManager[] = [];
    for (const [name, manager] of this.models)
      if (!wanted.has(name)) {
        this.models.delete(name);
        retired.push(manager);
        this.log.info(`model ${name}: no longer in the config file; unloading`);
      }
    await Promise.all(
      configs.map(async (c) => {
        const current = this.models.get(c.name);
        if (current && current.basePath === c.basePath) return current.reconfigure(c);
        const fresh = new ModelManager(c, this.log, this.options);
        await fresh.start(this.pollSeconds);
        this.models.set(c.name, fresh);
        if (current) retired.push(current);
        this.log.info(`model ${c.name}: ${current ? "base path changed" : "added"} (${c.basePath})`);
      }),
    );
    await Promise.all(retired.map((m) => m.stop()));
  }

  managers(): ModelManager[] {
    return [...this.models.values()];
  }

  async start(pollSeconds: number): Promise<void> {
    this.pollSeconds = pollSeconds;
    await Promise.all(this.managers().map((m) => m.start(pollSeconds)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.managers().map((m) => m.stop()));
  }

  /** Ready once every model has an AVAILABLE version. */
  ready(): boolean {
    return this.managers().every((m) => m.latest() !== undefined);
  }

  /**
   * Latest(name), Specific(name, v) or a label; the returned servable is acquired and must be released.
   */
  acquire(spec: ModelSpec): Servable {
    if (!spec.name) throw invalidArgument("ModelSpec has no name specified.");
    const manager = this.models.get(spec.name);
    let version = spec.version;
    if (spec.versionLabel !== undefined && spec.versionLabel !== "") {
      version = manager?.labelVersion(spec.versionLabel);
      if (version === undefined)
        throw invalidArgument(`Unrecognized servable version label: ${spec.versionLabel}`);
    }
    if (version === undefined) {
      const s = manager?.latest();
      if (!s) throw notFound(`Servable not found for request: Latest(${spec.name})`);
      return s.acquire();
    }
    const s = manager?.get(version);
    if (!s) throw notFound(`Servable not found for request: Specific(${spec.name}, ${version})`);
    return s.acquire();
  }

  /** GetModelStatus: the label is ignored, as in TF (get_model_status_impl.cc never reads it). */
  status(name: string, version?: number): VersionStatus[] {
    const manager = this.models.get(name);
    const all = manager?.versionStatuses() ?? [];
    if (version === undefined) {
      if (all.length === 0) throw notFound(`Could not find any versions of model ${name}`);
      return all;
    }
    const one = all.filter((s) => s.version === version);
    if (one.length === 0) throw notFound(`Could not find version ${version} of model ${name}`);
    return one;
  }
}
