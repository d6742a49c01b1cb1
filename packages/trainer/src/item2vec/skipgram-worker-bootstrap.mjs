// Worker threads do not inherit tsx's loader, so when Wren runs from TypeScript sources the Item2Vec
// worker starts here, registers tsx, then loads skipgram-worker.ts.
import { register } from "tsx/esm/api";

register();
await import("./skipgram-worker.ts");
