import { writeFileSync } from "node:fs";
import { renderPermissionsConf } from "./nats-permissions.js";
import { NATS_PERMISSIONS_FILE } from "./paths.js";

// Regenerates the NATS permission sets from the subject catalogue; a test fails when the committed file drifts.
writeFileSync(NATS_PERMISSIONS_FILE, renderPermissionsConf());
console.log(`wrote ${NATS_PERMISSIONS_FILE}`);
