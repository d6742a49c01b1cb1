import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * utime + stime (ms) of a process and its descendants (cluster workers), from /proc: CPU time is what to
 * compare on a shared, overloaded machine, where wall-clock rates swing with the neighbours.
 */
export function treeCpuMs(pid: number): number {
  let ms = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ms += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean))
      ms += treeCpuMs(Number(child));
  } catch {
    // process gone
  }
  return ms;
}

/**
 * Pids of the NATS and Redis servers the services share, by name (absent when not running here): their
 * CPU is part of each request's cost.
 */
export function sharedServerPids(): Record<string, number> {
  return Object.fromEntries(
    ["nats-server", "redis-server"].flatMap((name) => {
      try {
        const pid = Number(execFileSync("pidof", ["-s", name], { encoding: "utf8" }).trim());
        return pid > 0 ? [[name, pid]] : [];
      } catch {
        return [];
      }
    }),
  );
}
