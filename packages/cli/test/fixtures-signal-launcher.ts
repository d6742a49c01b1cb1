// Child process for launcher.test.ts: `wren start`'s supervisor and stop wiring around one long-lived child.
// Prints the child's pid, then runs until a signal stops it.
import { Supervisor, stopOnSignals } from "../src/launcher/supervisor.js";

const supervisor = new Supervisor(() => {});
const { child } = supervisor.start({ label: "svc", command: "sleep", args: ["300"] });
stopOnSignals(() => void supervisor.stopAll(2000).then(() => process.exit(0)));
console.log(child.pid);
