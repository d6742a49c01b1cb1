/** The processes `wren start` runs, in start order (dependencies first); folder = service name. */
export const SERVICE_ORDER = [
  "model-server",
  "feature-service",
  "recall-service",
  "ranking-service",
  "nearline-worker",
  "gateway",
] as const;
export type ServiceName = (typeof SERVICE_ORDER)[number];

/** Services that bind a fixed port, so only one replica per machine makes sense. */
const SINGLE_PORT: ReadonlySet<ServiceName> = new Set(["model-server", "gateway"]);
const MAX_REPLICAS = 16;

/** Parses `ranking-service=2,recall-service=3` into a replica count per service (default 1). */
export function parseReplicas(spec: string | undefined): Record<ServiceName, number> {
  const counts = Object.fromEntries(SERVICE_ORDER.map((s) => [s, 1])) as Record<ServiceName, number>;
  if (!spec) return counts;
  for (const part of spec.split(",")) {
    const m = /^\s*([a-z-]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`--replicas: "${part}" is not <service>=<count>`);
    const [, name, n] = m as unknown as [string, string, string];
    if (!(SERVICE_ORDER as readonly string[]).includes(name)) {
      throw new Error(`--replicas: unknown service "${name}"; one of ${SERVICE_ORDER.join(", ")}`);
    }
    const count = Number(n);
    if (count < 1 || count > MAX_REPLICAS)
      throw new Error(`--replicas: ${name}=${n} must be 1..${MAX_REPLICAS}`);
    if (count > 1 && SINGLE_PORT.has(name as ServiceName)) {
      throw new Error(
        `--replicas: ${name} binds one port; run it once (scale it with docker compose --scale)`,
      );
    }
    counts[name as ServiceName] = count;
  }
  return counts;
}
