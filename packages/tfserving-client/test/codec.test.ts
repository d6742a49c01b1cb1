import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs/minimal.js";
import { describe, expect, it } from "vitest";
import {
  decodePredictRequest,
  decodePredictResponse,
  encodePredictRequest,
  encodePredictResponse,
  PROTO_FILES,
  PROTO_LOADER_OPTIONS,
  type Tensor,
  tensorFromProto,
  tensorToProto,
} from "../src/index.js";

/** The generic codec a client generated from TF Serving's protos would use. */
const generic = (() => {
  const def = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
  const svc = (
    grpc.loadPackageDefinition(def) as unknown as {
      tensorflow: { serving: Record<string, grpc.ServiceClientConstructor> };
    }
  ).tensorflow.serving.PredictionService.service;
  return svc.Predict;
})();

const tensors: Tensor[] = [
  { dtype: "DT_INT32", dims: [3], data: Int32Array.from([1, -2, 2147483647]) },
  { dtype: "DT_FLOAT", dims: [2, 2], data: Float32Array.from([0.5, -1.25, 3e-8, 1e20]) },
  { dtype: "DT_INT64", dims: [2], data: BigInt64Array.from([-(2n ** 62n), 7n]) },
  { dtype: "DT_DOUBLE", dims: [1], data: Float64Array.from([Math.PI]) },
  { dtype: "DT_BOOL", dims: [2], data: Uint8Array.from([1, 0]) },
  { dtype: "DT_STRING", dims: [2], data: [Buffer.from("héllo"), Buffer.from([0, 255])] },
];

describe("Predict codec", () => {
  for (const asContent of [false, true])
    it(`round-trips every dtype (${asContent ? "tensor_content" : "typed fields"}) and agrees with proto-loader`, () => {
      const inputs = new Map(tensors.map((t, i) => [`in${i}`, tensorToProto(t, asContent)]));
      const bytes = encodePredictRequest({
        modelSpec: { name: "m", version: 3, signatureName: "sig" },
        inputs,
        outputFilter: ["a"],
      });
      const back = decodePredictRequest(bytes);
      expect(back.modelSpec).toMatchObject({ name: "m", version: 3, signatureName: "sig" });
      expect(back.outputFilter).toEqual(["a"]);
      tensors.forEach((t, i) => {
        const d = tensorFromProto(back.inputs.get(`in${i}`) ?? {});
        expect(d.dtype).toBe(t.dtype);
        expect(d.dims).toEqual(t.dims);
        const show = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : String(v));
        expect(Array.from(d.data as ArrayLike<unknown>, show)).toEqual(
          Array.from(t.data as ArrayLike<unknown>, show),
        );
      });
      const viaGeneric = generic.requestDeserialize(Buffer.from(bytes)) as {
        model_spec: object;
        inputs: Record<string, { dtype: number }>;
      };
      expect(viaGeneric.model_spec).toMatchObject({
        name: "m",
        version: { value: "3" },
        signature_name: "sig",
      });
      expect(Object.keys(viaGeneric.inputs).sort()).toEqual(tensors.map((_, i) => `in${i}`));
      // And the other direction: bytes from the generic codec decode with ours.
      const fromGeneric = decodePredictRequest(generic.requestSerialize(viaGeneric));
      expect(Array.from(tensorFromProto(fromGeneric.inputs.get("in1") ?? {}).data as Float32Array)).toEqual(
        Array.from(tensors[1].data as Float32Array),
      );
    });

  it("responses carry the served model_spec; unpacked (non-packed) repeated fields decode too", () => {
    const bytes = encodePredictResponse({
      outputs: new Map([
        [
          "dense_2",
          tensorToProto({ dtype: "DT_FLOAT", dims: [2, 1], data: Float32Array.from([0.25, 0.75]) }),
        ],
      ]),
      modelSpec: { name: "m", version: 2, signatureName: "serving_default" },
    });
    const r = decodePredictResponse(bytes);
    expect(r.modelSpec).toMatchObject({ name: "m", version: 2, signatureName: "serving_default" });
    expect(Array.from(tensorFromProto(r.outputs.get("dense_2") ?? {}).data as Float32Array)).toEqual([
      0.25, 0.75,
    ]);
    // field 7 (int_val) written unpacked: tag 0x38 + varint, twice; dtype 3; shape [2]
    const tensor = [0x08, 3, 0x12, 4, 0x12, 2, 0x08, 2, 0x38, 5, 0x38, 9];
    const entry = [0x0a, 1, 0x78, 0x12, tensor.length, ...tensor]; // key "x", value TensorProto
    const decoded = decodePredictRequest(Uint8Array.from([0x12, entry.length, ...entry])).inputs.get("x");
    expect(Array.from(tensorFromProto(decoded ?? {}).data as Int32Array)).toEqual([5, 9]);
  });

  it("skips unknown fields of every wire type and reads unpacked floats, as protobuf parsers must", () => {
    // A newer TF Serving's request: unknown fields at the top, in model_spec and in the TensorProto.
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).fork(); // model_spec
    w.uint32((1 << 3) | 2).string("m");
    w.uint32((77 << 3) | 0).uint64(2 ** 40); // unknown varint
    w.ldelim();
    w.uint32((2 << 3) | 2).fork(); // inputs entry
    w.uint32((1 << 3) | 2).string("x");
    w.uint32((2 << 3) | 2).fork(); // TensorProto
    w.uint32((1 << 3) | 0).int32(1); // DT_FLOAT
    // uint32_val (field 16, not a dtype Wren serves): skipped
    w.uint32((16 << 3) | 2).fork();
    w.uint32(7).uint32(8).ldelim();
    w.uint32((5 << 3) | 5).float(0.5); // float_val, unpacked
    w.uint32((99 << 3) | 5).fixed32(12345); // unknown fixed32
    w.uint32((5 << 3) | 5).float(-2);
    w.uint32((98 << 3) | 1).fixed64(1); // unknown fixed64
    // tensor_shape { dim { size: 2 } }
    w.uint32((2 << 3) | 2).fork();
    w.uint32((2 << 3) | 2).fork();
    w.uint32(8).int64(2).ldelim().ldelim();
    w.ldelim();
    w.ldelim();
    w.uint32((50 << 3) | 2).bytes(Uint8Array.from([1, 2, 3])); // unknown bytes at the top
    w.uint32((3 << 3) | 2).string("y"); // output_filter
    const bytes = w.finish();
    const ours = decodePredictRequest(bytes);
    expect(ours.modelSpec?.name).toBe("m");
    expect(ours.outputFilter).toEqual(["y"]);
    const t = tensorFromProto(ours.inputs.get("x") ?? {});
    expect(t.dims).toEqual([2]);
    expect(Array.from(t.data as Float32Array)).toEqual([0.5, -2]);
    // proto-loader reads the same bytes to the same tensor.
    const viaGeneric = generic.requestDeserialize(Buffer.from(bytes)) as {
      inputs: Record<string, { float_val: number[] }>;
    };
    expect(viaGeneric.inputs.x.float_val).toEqual([0.5, -2]);
  });

  it("tensor_content of the wrong length and fill rule", () => {
    expect(() =>
      tensorFromProto({
        dtype: 1,
        tensor_shape: { dim: [{ size: "2" }] },
        tensor_content: new Uint8Array(7),
      }),
    ).toThrow(/7 bytes, expected 8/);
    const filled = tensorFromProto({ dtype: 3, tensor_shape: { dim: [{ size: "4" }] }, int_val: [1, 2] });
    expect(Array.from(filled.data as Int32Array)).toEqual([1, 2, 2, 2]);
    expect(
      Array.from(tensorFromProto({ dtype: 1, tensor_shape: { dim: [{ size: "2" }] } }).data as Float32Array),
    ).toEqual([0, 0]);
    expect(() => tensorFromProto({ dtype: 19 })).toThrow(/unsupported dtype 19/);
  });
});
