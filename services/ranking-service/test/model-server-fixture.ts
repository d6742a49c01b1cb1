import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningModelServer, startModelServer } from "@wren/model-server";
import { writeModelVersion } from "@wren/onnx";
import { buildNeuralCfFixture, type NeuralCfWeights } from "@wren/onnx/testing";

const quiet = { info() {}, warn() {}, error() {} };

export interface ModelServerFixture {
  server: RunningModelServer;
  url: string;
  weights: NeuralCfWeights;
  close(): Promise<void>;
}

/** Our model server in this process serving a seeded NeuralCF-shaped model as `neuralcf` version 1. */
export async function startNeuralCfServer(): Promise<ModelServerFixture> {
  const root = await mkdtemp(join(tmpdir(), "wren-ranking-"));
  const fixture = buildNeuralCfFixture({ seed: 7, movieBuckets: 1001, userBuckets: 1001 });
  await writeModelVersion(root, "neuralcf", fixture);
  const server = await startModelServer({
    models: [{ name: "neuralcf", basePath: join(root, "neuralcf") }],
    restPort: 0,
    grpcPort: null,
    host: "127.0.0.1",
    pollSeconds: 0,
    log: quiet,
  });
  let closed = false;
  return {
    server,
    url: `http://127.0.0.1:${server.restPort}`,
    weights: fixture.weights,
    async close() {
      if (!closed) await server.close();
      closed = true;
      await rm(root, { recursive: true, force: true });
    },
  };
}
