#!/usr/bin/env node
import { Command } from "commander";
import { registerDataCommands } from "./commands/data.js";
import { registerEvaluateCommand } from "./commands/evaluate.js";
import { registerFeatureCommands } from "./commands/features.js";
import { registerStartCommand } from "./commands/start.js";
import { registerTrainCommands } from "./commands/train.js";

const program = new Command()
  .name("wren")
  .description('Wren: a "guess you like" recommender. Offline data, features, training and the online stack.')
  .showHelpAfterError()
  .configureHelp({ showGlobalOptions: true });

registerDataCommands(program);
registerFeatureCommands(program);
registerTrainCommands(program);
registerEvaluateCommand(program);
registerStartCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`wren: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
