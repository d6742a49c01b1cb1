/**
 * TF Serving conformance over REST and gRPC against a real server process state (real onnxruntime, real
 * sockets): documents, numbers, and every error case with TF Serving's status and message.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { neuralCfScore } from "@wren/onnx/testing";
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from "@wren/tfserving-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningModelServer, startModelServer } from "../src/index.js";
import { memoryLogger, modelsRoot, publish } from "./helpers.js";

let server: RunningModelServer;
let cleanup: () => Promise<void>;
let base: string;
let weights: ReturnType<typeof import("./helpers.js").fixture>["weights"];
// A client built from the .proto files alone (proto-loader's generic codec), as a user's generated client.
let prediction: grpc.Client;
let modelService: grpc.Client;

const users = [6, 6, 0, 3000, 17];
const movies = [1, 2, 0, 1000, 999];

beforeAll(async () => {
  const m = await modelsRoot();
  cleanup = m.cleanup;
  const { fx } = await publish(m.root, "recmodel", 11);
  weights = fx.weights;
  server = await startModelServer({
    modelName: "recmodel",
    modelBasePath: `${m.root}/recmodel`,
    restPort: 0,
    grpcPort: 0,
    host: "127.0.0.1",
    pollSeconds: 0,
    maxBodyBytes: 256 * 1024,
    log: memoryLogger(),
  });
  base = `http://127.0.0.1:${server.restPort}`;
  const def = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    tensorflow: { serving: Record<string, grpc.ServiceClientConstructor> };
  };
  const addr = `127.0.0.1:${server.grpcPort}`;
  prediction = new pkg.tensorflow.serving.PredictionService(addr, grpc.credentials.createInsecure());
  modelService = new pkg.tensorflow.serving.ModelService(addr, grpc.credentials.createInsecure());
});

afterAll(async () => {
  prediction?.close();
  modelService?.close();
  await server?.close();
  await cleanup?.();
});

async function rest(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
) {
  const payload = typeof body === "string" || body === undefined ? body : new Uint8Array(body);
  const res = await fetch(`${base}${path}`, { method, body: payload, headers });
  const text = await res.text();
  return { status: res.status, text, type: res.headers.get("content-type") };
}

async function expectError(path: string, body: string | Buffer, status: number, message: string) {
  const res = await rest("POST", path, body);
  expect(res.status).toBe(status);
  expect(res.type).toBe("application/json");
  expect(JSON.parse(res.text)).toEqual({ error: message });
}

function call<T>(client: grpc.Client, method: string, req: object): Promise<T> {
  return new Promise((resolve, reject) =>
    (
      client as unknown as Record<
        string,
        (r: object, cb: (e: grpc.ServiceError | null, v: T) => void) => void
      >
    )[method](req, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const expected = () => users.map((u, i) => neuralCfScore(weights, u, movies[i]));

describe("REST predict", () => {
  it("row format answers {predictions:[[p],…]} with the model's numbers", async () => {
    const instances = users.map((u, i) => ({ userId: u, movieId: movies[i] }));
    const res = await rest("POST", "/v1/models/recmodel:predict", JSON.stringify({ instances }));
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^\{"predictions":\[\[[-0-9.e]+\](,\[[-0-9.e]+\]){4}\]\}$/);
    const preds = JSON.parse(res.text).predictions as number[][];
    for (const [i, [p]] of preds.entries()) expect(p).toBeCloseTo(expected()[i], 6);
  });

  it("columnar format gives identical numbers as {outputs:[[p],…]}, and so does gRPC", async () => {
    const row = JSON.parse(
      (
        await rest(
          "POST",
          "/v1/models/recmodel:predict",
          JSON.stringify({ instances: users.map((u, i) => ({ userId: u, movieId: movies[i] })) }),
        )
      ).text,
    ).predictions;
    const colRes = await rest(
      "POST",
      "/v1/models/recmodel:predict",
      JSON.stringify({ inputs: { userId: users, movieId: movies } }),
    );
    expect(colRes.text.startsWith('{"outputs":[[')).toBe(true);
    expect(JSON.parse(colRes.text).outputs).toEqual(row);
    const res = await call<{
      outputs: Record<
        string,
        { dtype: number; tensor_shape: { dim: { size: string }[] }; float_val: number[] }
      >;
      model_spec: object;
    }>(prediction, "Predict", {
      model_spec: { name: "recmodel" },
      inputs: {
        userId: { dtype: 3, tensor_shape: { dim: [{ size: String(users.length) }] }, int_val: users },
        movieId: { dtype: 3, tensor_shape: { dim: [{ size: String(users.length) }] }, int_val: movies },
      },
    });
    const out = res.outputs.dense_2;
    expect(out.dtype).toBe(1);
    expect(out.tensor_shape.dim.map((d) => d.size)).toEqual([String(users.length), "1"]);
    expect(out.float_val).toHaveLength(users.length);
    // JSON prints the float32 exactly enough to round-trip, so both protocols agree bit for bit.
    for (const [i, v] of out.float_val.entries()) expect(Math.fround(v)).toBe(Math.fround(row[i][0]));
    expect(res.model_spec).toEqual({
      name: "recmodel",
      version: { value: "1" },
      signature_name: "serving_default",
      version_choice: "version",
    });
  });

  it("accepts signature_name, version paths, gzip bodies; ignores trailing bytes and unknown keys", async () => {
    const body = JSON.stringify({
      signature_name: "serving_default",
      extra: 1,
      inputs: { userId: [6], movieId: [1] },
    });
    const a = await rest("POST", "/v1/models/recmodel/versions/1:predict", `${body}  trailing`);
    expect(a.status).toBe(200);
    const { gzipSync } = await import("node:zlib");
    const b = await rest("POST", "/V1/MODELS/recmodel:predict", gzipSync(body), {
      "content-encoding": "gzip",
    });
    expect(b.status).toBe(200);
    expect(b.text).toBe(a.text);
  });
});

describe("REST errors (status and message as TF Serving)", () => {
  const P = "/v1/models/recmodel:predict";
  const cases: Array<[string, string, string, number, string]> = [
    [
      "unknown model",
      "/v1/models/nope:predict",
      '{"inputs":{"userId":[1],"movieId":[1]}}',
      404,
      "Servable not found for request: Latest(nope)",
    ],
    [
      "unknown version",
      "/v1/models/recmodel/versions/7:predict",
      '{"inputs":{"userId":[1],"movieId":[1]}}',
      404,
      "Servable not found for request: Specific(recmodel, 7)",
    ],
    [
      "unknown label",
      "/v1/models/recmodel/labels/canary:predict",
      '{"inputs":{"userId":[1],"movieId":[1]}}',
      400,
      "Unrecognized servable version label: canary",
    ],
    [
      "unknown signature",
      P,
      '{"signature_name":"nope","inputs":{"userId":[1],"movieId":[1]}}',
      400,
      'Serving signature name: "nope" not found in signature def',
    ],
    ["empty body", P, "", 400, "JSON Parse error: The document is empty"],
    [
      "malformed JSON",
      P,
      '{"instances": [1,2}',
      400,
      "JSON Parse error: Missing a comma or ']' after an array element. at offset: 18",
    ],
    ["top level not an object", P, "[1]", 400, "JSON Value: [\n    1\n] Is not object"],
    [
      "signature_name not a string",
      P,
      '{"signature_name":1}',
      400,
      "JSON Value: {\n    \"signature_name\": 1\n} not formatted correctly. 'signature_name' key must be a string value.",
    ],
    ["neither instances nor inputs", P, '{"x":1}', 400, "Missing 'inputs' or 'instances' key"],
    [
      "both instances and inputs",
      P,
      '{"instances":[],"inputs":[]}',
      400,
      "JSON Value: {\n    \"instances\": [],\n    \"inputs\": []\n} Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ",
    ],
    [
      "empty batch",
      P,
      '{"instances":[]}',
      400,
      "JSON Value: {\n    \"instances\": []\n} No values in 'instances' array",
    ],
    [
      "instances not a list",
      P,
      '{"instances":{"userId":1}}',
      400,
      'JSON Value: {\n    "instances": {\n        "userId": 1\n    }\n} Expecting \'instances\' to be an list/array',
    ],
    [
      "plain list for two inputs",
      P,
      '{"instances":[6,1]}',
      400,
      "instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map",
    ],
    [
      "missing input (row)",
      P,
      '{"instances":[{"userId":1}]}',
      400,
      "Failed to process element: 0 of 'instances' list. JSON object: {\n    \"userId\": 1\n} keys must be equal to: movieId,userId",
    ],
    [
      "extra input (row)",
      P,
      '{"instances":[{"userId":1,"movieId":2,"genre":3}]}',
      400,
      "Failed to process element: 0 key: genre of 'instances' list. Error: INVALID_ARGUMENT: JSON object: does not have named input: genre",
    ],
    [
      "missing input (columnar)",
      P,
      '{"inputs":{"userId":[1]}}',
      400,
      "Missing named input: movieId in 'inputs' object.",
    ],
    [
      "plain value for two inputs (columnar)",
      P,
      '{"inputs":[1,2]}',
      400,
      "inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map",
    ],
    [
      "6.0 for an int32 input",
      P,
      '{"instances":[{"userId":6.0,"movieId":1}]}',
      400,
      "Failed to process element: 0 key: userId of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: 6.0 Type: Number is not of expected type: int32",
    ],
    [
      "string for an int32 input",
      P,
      '{"inputs":{"userId":["6"],"movieId":[1]}}',
      400,
      'JSON Value: "6" Type: String is not of expected type: int32',
    ],
    [
      "int32 overflow",
      P,
      '{"inputs":{"userId":[2147483648],"movieId":[1]}}',
      400,
      "JSON Value: 2147483648 Type: Number is not of expected type: int32",
    ],
    [
      "ragged instances",
      P,
      '{"instances":[{"userId":[1,2],"movieId":1},{"userId":3,"movieId":1}]}',
      400,
      "Failed to process element: 1 key: userId of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 2 but got: 1",
    ],
    [
      "ragged nested list",
      P,
      '{"inputs":{"userId":[[1,2],[3]],"movieId":[1,2]}}',
      400,
      "Encountered list at unexpected size: 1 at level: 1 expected size: 2",
    ],
    [
      "mixed objects and values",
      P,
      '{"instances":[{"userId":1,"movieId":1},[1]]}',
      400,
      "Expecting object but got list at item 1 of input list",
    ],
  ];
  for (const [name, path, body, status, message] of cases)
    it(name, async () => {
      await expectError(path, body, status, message);
    });

  it("ids outside the embedding tables' range → 400, as TF's categorical-column assertions", async () => {
    const res = await rest("POST", P, '{"inputs":{"userId":[1,3001],"movieId":[1,1]}}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatch(
      /^assertion failed: input userId value 3001 at index 1 is outside the valid id range \[0, 3000\]$/,
    );
    const neg = await rest("POST", P, '{"instances":[{"userId":1,"movieId":-1}]}');
    expect(neg.status).toBe(400);
  });

  it("body too large → 413 with a JSON error", async () => {
    const big = JSON.stringify({
      inputs: { userId: new Array(100_000).fill(1), movieId: new Array(100_000).fill(1) },
    });
    const res = await rest("POST", P, big);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error).toMatch(/exceeds the limit of 262144 bytes/);
  });

  it("malformed paths and methods", async () => {
    expect(await rest("GET", "/v1/models/recmodel:predict")).toMatchObject({
      status: 400,
      text: '{ "error": "Malformed request: GET /v1/models/recmodel:predict" }',
    });
    expect((await rest("POST", "/v1/models/recmodel/metadata", "{}")).status).toBe(400);
    expect((await rest("DELETE", "/v1/models/recmodel")).status).toBe(400);
    expect(JSON.parse((await rest("GET", "/v1/models")).text)).toEqual({
      error: "Missing model name in request.",
    });
    expect(JSON.parse((await rest("GET", "/v1/models/recmodel/version/1")).text)).toEqual({
      error: "Malformed request: GET /v1/models/recmodel/version/1",
    });
    const notV1 = await rest("GET", "/nope");
    expect(notV1.status).toBe(404);
    expect(notV1.type).toBe("text/html");
  });
});

describe("REST status and metadata documents", () => {
  it("model status, one version, unknown version/model, and the label quirk", async () => {
    const doc = {
      model_version_status: [
        { version: "1", state: "AVAILABLE", status: { error_code: "OK", error_message: "" } },
      ],
    };
    expect(JSON.parse((await rest("GET", "/v1/models/recmodel")).text)).toEqual(doc);
    expect(JSON.parse((await rest("GET", "/v1/models/recmodel/versions/1")).text)).toEqual(doc);
    // get_model_status_impl.cc never reads the label: any label returns every version.
    expect(JSON.parse((await rest("GET", "/v1/models/recmodel/labels/whatever")).text)).toEqual(doc);
    const v9 = await rest("GET", "/v1/models/recmodel/versions/9");
    expect([v9.status, JSON.parse(v9.text)]).toEqual([
      404,
      { error: "Could not find version 9 of model recmodel" },
    ]);
    const none = await rest("GET", "/v1/models/nope");
    expect([none.status, JSON.parse(none.text)]).toEqual([
      404,
      { error: "Could not find any versions of model nope" },
    ]);
  });

  it("metadata lists serving_default like the reference SavedModel, plus __saved_model_init_op", async () => {
    const res = await rest("GET", "/v1/models/recmodel/metadata");
    expect(res.status).toBe(200);
    const dim = (...sizes: string[]) => ({
      dim: sizes.map((size) => ({ size, name: "" })),
      unknown_rank: false,
    });
    expect(JSON.parse(res.text)).toEqual({
      model_spec: { name: "recmodel", signature_name: "", version: "1" },
      metadata: {
        signature_def: {
          signature_def: {
            __saved_model_init_op: {
              inputs: {},
              outputs: {
                __saved_model_init_op: {
                  dtype: "DT_INVALID",
                  tensor_shape: { dim: [], unknown_rank: true },
                  name: "NoOp",
                },
              },
              method_name: "",
              defaults: {},
            },
            serving_default: {
              inputs: {
                userId: { dtype: "DT_INT32", tensor_shape: dim("-1"), name: "userId" },
                movieId: { dtype: "DT_INT32", tensor_shape: dim("-1"), name: "movieId" },
              },
              outputs: { dense_2: { dtype: "DT_FLOAT", tensor_shape: dim("-1", "1"), name: "dense_2" } },
              method_name: "tensorflow/serving/predict",
              defaults: {},
            },
          },
        },
      },
    });
    expect((await rest("GET", "/v1/models/recmodel/labels/x/metadata")).text).toContain(
      "Unrecognized servable version label: x",
    );
  });

  it("health, readiness and Prometheus metrics", async () => {
    expect((await rest("GET", "/healthz")).status).toBe(200);
    expect(JSON.parse((await rest("GET", "/readyz")).text)).toEqual({
      ready: true,
      models: { recmodel: [1] },
    });
    const metrics = (await rest("GET", "/monitoring/prometheus/metrics")).text;
    expect(metrics).toMatch(
      /wren_model_server_requests_total\{model="recmodel",api="predict",protocol="rest",code="OK"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /wren_model_server_requests_total\{model="nope",api="predict",protocol="rest",code="NOT_FOUND"\} 1/,
    );
    expect(metrics).toContain(
      'wren_model_server_model_version_state{model="recmodel",version="1",state="AVAILABLE"} 1',
    );
    expect(metrics).toMatch(/wren_model_server_request_duration_seconds_bucket/);
  });
});

describe("gRPC errors and documents", () => {
  const tensor = (values: number[], dtype = 3) => ({
    dtype,
    tensor_shape: { dim: [{ size: String(values.length) }] },
    ...(dtype === 9 ? { int64_val: values.map(String) } : { int_val: values }),
  });
  const grpcError = async (method: string, req: object) => {
    try {
      await call(method === "GetModelStatus" ? modelService : prediction, method, req);
    } catch (err) {
      return { code: (err as grpc.ServiceError).code, details: (err as grpc.ServiceError).details };
    }
    throw new Error("expected an error");
  };

  it("Predict errors", async () => {
    expect(await grpcError("Predict", { inputs: {} })).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: "Missing ModelSpec",
    });
    expect(await grpcError("Predict", { model_spec: { name: "nope" }, inputs: {} })).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "Servable not found for request: Latest(nope)",
    });
    expect(
      await grpcError("Predict", { model_spec: { name: "recmodel", version: { value: "3" } }, inputs: {} }),
    ).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "Servable not found for request: Specific(recmodel, 3)",
    });
    expect(
      await grpcError("Predict", { model_spec: { name: "recmodel", version_label: "stable" }, inputs: {} }),
    ).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: "Unrecognized servable version label: stable",
    });
    expect(
      await grpcError("Predict", { model_spec: { name: "recmodel", signature_name: "x" }, inputs: {} }),
    ).toEqual({
      code: grpc.status.FAILED_PRECONDITION,
      details: 'Serving signature key "x" not found.',
    });
    expect(
      await grpcError("Predict", { model_spec: { name: "recmodel" }, inputs: { userId: tensor([1]) } }),
    ).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details:
        "input size does not match signature: 1!=2 len({userId}) != len({movieId,userId}). Sent extra: {}. Missing but required: {movieId}.",
    });
    expect(
      await grpcError("Predict", {
        model_spec: { name: "recmodel" },
        inputs: { userId: tensor([1]), movie: tensor([1]) },
      }),
    ).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details:
        "input tensor alias not found in signature: movie. Inputs expected to be in the set {movieId,userId}.",
    });
    expect(
      await grpcError("Predict", {
        model_spec: { name: "recmodel" },
        inputs: { userId: tensor([1], 9), movieId: tensor([1]) },
      }),
    ).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: "Expects arg[1] to be int32 but int64 is provided",
    });
    expect(
      await grpcError("Predict", {
        model_spec: { name: "recmodel" },
        inputs: {
          userId: { dtype: 3, tensor_shape: { dim: [{ size: "2" }] }, tensor_content: Buffer.alloc(3) },
          movieId: tensor([1, 1]),
        },
      }),
    ).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: "tensor parsing error: userId" });
    expect(
      await grpcError("Predict", {
        model_spec: { name: "recmodel" },
        inputs: { userId: tensor([1]), movieId: tensor([1]) },
        output_filter: ["nope"],
      }),
    ).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details:
        "output tensor alias not found in signature: nope Outputs expected to be in the set {dense_2}.",
    });
  });

  it("applies TF's fill rule: fewer values than elements repeat the last one", async () => {
    const res = await call<{ outputs: { dense_2: { float_val: number[] } } }>(prediction, "Predict", {
      model_spec: { name: "recmodel" },
      inputs: {
        userId: { dtype: 3, tensor_shape: { dim: [{ size: "3" }] }, int_val: [6] },
        movieId: { dtype: 3, tensor_shape: { dim: [{ size: "3" }] }, int_val: [1, 2] },
      },
    });
    const [a, b, c] = res.outputs.dense_2.float_val;
    expect(a).toBeCloseTo(neuralCfScore(weights, 6, 1), 6);
    expect(b).toBeCloseTo(neuralCfScore(weights, 6, 2), 6);
    expect(c).toBe(b);
  });

  it("GetModelMetadata packs a SignatureDefMap in an Any; GetModelStatus lists versions", async () => {
    const md = await call<{
      model_spec: { name: string; version: { value: string } };
      metadata: { signature_def: { type_url: string; value: Buffer } };
    }>(prediction, "GetModelMetadata", {
      model_spec: { name: "recmodel" },
      metadata_field: ["signature_def"],
    });
    expect(md.model_spec).toMatchObject({ name: "recmodel", version: { value: "1" } });
    expect(md.metadata.signature_def.type_url).toBe("type.googleapis.com/tensorflow.serving.SignatureDefMap");
    const def = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS)[
      "tensorflow.serving.SignatureDefMap"
    ] as protoLoader.MessageTypeDefinition<
      object,
      {
        signature_def: Record<
          string,
          { inputs: Record<string, { dtype: number; name: string }>; method_name: string }
        >;
      }
    >;
    const map = def.deserialize(md.metadata.signature_def.value);
    expect(Object.keys(map.signature_def).sort()).toEqual(["__saved_model_init_op", "serving_default"]);
    expect(map.signature_def.serving_default.inputs.userId).toMatchObject({ dtype: 3, name: "userId" });
    expect(map.signature_def.serving_default.method_name).toBe("tensorflow/serving/predict");
    expect(await grpcError("GetModelMetadata", { model_spec: { name: "recmodel" } })).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: "GetModelMetadataRequest must specify at least one metadata_field",
    });
    expect(
      await grpcError("GetModelMetadata", { model_spec: { name: "recmodel" }, metadata_field: ["x"] }),
    ).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: "Metadata field x is not supported",
    });
    const status = await call<{ model_version_status: object[] }>(modelService, "GetModelStatus", {
      model_spec: { name: "recmodel" },
    });
    expect(status.model_version_status).toEqual([
      { version: "1", state: 30, status: { error_code: 0, error_message: "" } },
    ]);
    expect(await grpcError("GetModelStatus", { model_spec: { name: "nope" } })).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "Could not find any versions of model nope",
    });
  });
});
