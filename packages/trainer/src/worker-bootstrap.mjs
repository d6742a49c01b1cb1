// Worker threads do not inherit tsx's loader, so when Wren runs from TypeScript sources the training
// worker starts here, registers tsx, then loads worker.ts.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
