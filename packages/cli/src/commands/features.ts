import type { Command } from "commander";

export function registerFeatureCommands(_program: Command): void {}
