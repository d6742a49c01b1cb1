import { WrenError } from "@wren/contracts";
import type { FeatureSnapshot, FeatureStore } from "@wren/feature-store";
import type { Logger } from "@wren/telemetry";
import { buildCatalogIndex, type CatalogIndex } from "../domain/catalog-index.js";
import type { UserSignals } from "../domain/recall.js";

/** Loads the catalogue, popularity lists and embedding matrices of one feature-store version. */
export async function loadCatalogIndex(
  snapshot: FeatureSnapshot,
  minRatingCount: number,
): Promise<CatalogIndex> {
  const [movies, i2v, twoTowerItems] = await Promise.all([
    snapshot.getMovies(),
    snapshot.getAllEmbeddings("i2v"),
    snapshot.getAllEmbeddings("tt-item"),
  ]);
  return buildCatalogIndex({
    version: snapshot.version,
    movies: movies.map(({ fields: _fields, ...m }) => m),
    i2v,
    twoTowerItems,
    minRatingCount,
  });
}

/**
 * The in-memory indexes of the live version. A timer watches the version pointer and rebuilds when a
 * load flips it; requests keep using the old index until the new one is complete.
 */
export class LiveCatalog {
  private index: CatalogIndex | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<boolean> | null = null;

  constructor(
    private readonly store: FeatureStore,
    private readonly options: {
      minRatingCount: number;
      pollMs: number;
      logger?: Logger;
      /** Runs on each new index before it is installed (the old one keeps serving meanwhile). */
      warm?: (index: CatalogIndex) => Promise<number>;
    },
  ) {}

  /** Loads the live version if there is one, then starts watching the pointer. */
  async start(): Promise<void> {
    await this.refresh().catch((e) => this.options.logger?.warn("catalogue not loaded yet", { err: e }));
    this.timer = setInterval(() => {
      this.refresh().catch((e) => this.options.logger?.warn("catalogue refresh failed", { err: e }));
    }, this.options.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The index to answer with; 503 until a feature version has been loaded. */
  current(): CatalogIndex {
    if (!this.index) throw WrenError.unavailable("no feature-store version loaded yet (run the pipeline)");
    return this.index;
  }

  /** Rebuilds when the pointer moved; resolves true when a new index was installed. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const version = await this.store.currentVersion();
    if (version === null || version === this.index?.version) return false;
    const started = performance.now();
    const index = await loadCatalogIndex(this.store.at(version), this.options.minRatingCount);
    const built = performance.now();
    const warmed = (await this.options.warm?.(index)) ?? 0;
    this.index = index;
    this.options.logger?.info("catalogue index built", {
      version,
      movies: index.movies.size,
      i2v: index.i2v?.size ?? 0,
      twoTower: index.twoTowerItems?.size ?? 0,
      ms: Math.round(built - started),
      warmedNeighbourLists: warmed,
      warmMs: Math.round(performance.now() - built),
    });
    return true;
  }
}

/** The user's history and two-tower vector from one version, in one round trip (sent back to back). */
export async function readUserSignals(
  snapshot: FeatureSnapshot,
  userId: number,
  withTwoTower: boolean,
): Promise<UserSignals> {
  const [history, vectors] = await Promise.all([
    snapshot.getUserHistory(userId),
    withTwoTower ? snapshot.getEmbeddings("tt-user", [userId]) : Promise.resolve([null]),
  ]);
  return { history, twoTowerVector: vectors[0] ?? null };
}
