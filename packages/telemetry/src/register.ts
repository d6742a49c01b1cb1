/**
 * Load first: `node --import tsx --import @wren/telemetry/register services/x/src/main.ts`.
 *
 * ESM imports bypass `require`, so the instrumentations' require hooks never see ioredis & co. when our
 * TypeScript (ESM) imports them; import-in-the-middle's loader hook fixes that. The message channel makes
 * the loader wrap only the modules an instrumentation asked for instead of every module of the app.
 */
import { register } from "node:module";
import { createAddHookMessageChannel } from "import-in-the-middle";
import { startTelemetry } from "./sdk.js";

const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register("import-in-the-middle/hook.mjs", import.meta.url, registerOptions);
startTelemetry();
await waitForAllMessagesAcknowledged();
