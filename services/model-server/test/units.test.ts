import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TensorSpec } from "@wren/onnx";
import { describe, expect, it } from "vitest";
import { parseCli, readModelConfigFile } from "../src/config.js";
import { fastInputs, scanPredictBody } from "../src/json-fast-request.js";
import { formatDecimal, jsonDebugString } from "../src/json-format.js";
import { JsonDecimal, type JsonObject, parseJson } from "../src/json-parse.js";
import { convertPredictInputs, parsePredictBody } from "../src/json-request.js";
import { JsonWriter } from "../src/json-writer.js";

describe("TF's float formatting", () => {
  it("shortest %g that round-trips, else 9 digits for float32; .0 on whole numbers; bare non-finite tokens", () => {
    const f = (x: number) => formatDecimal(Math.fround(x), true);
    expect(f(0.5)).toBe("0.5");
    expect(f(4)).toBe("4.0");
    expect(f(0.82)).toBe("0.82");
    expect(f(0.1234567)).toBe("0.123456702");
    expect(f(1435774380)).toBe("1.43577434e+09");
    expect(f(9000000)).toBe("9e+06");
    expect(f(3e-5)).toBe("3e-05");
    expect(f(-2.5)).toBe("-2.5");
    expect(f(999999.5)).toBe("999999.5");
    expect(formatDecimal(Number.NaN, true)).toBe("NaN");
    expect(formatDecimal(Number.NEGATIVE_INFINITY, false)).toBe("-Infinity");
    expect(formatDecimal(0.1, false)).toBe("0.1");
    expect(formatDecimal(1 / 3, false)).toBe("0.33333333333333331");
  });
  it("every float32 it prints parses back to the same float32", () => {
    const buf = new Float32Array(1);
    const wrong: string[] = [];
    for (let i = 0; i < 20000; i++) {
      buf[0] = (Math.random() - 0.5) * 10 ** ((i % 14) - 6);
      const text = formatDecimal(buf[0], true);
      if (Math.fround(Number(text)) !== buf[0]) wrong.push(`${buf[0]} → ${text}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("JsonWriter", () => {
  it("writes every float32 with exactly formatDecimal's text (its digit fast path included)", () => {
    const f = new Float32Array(1);
    const bits = new Uint32Array(f.buffer);
    const values: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      if (i % 2) bits[0] = (Math.random() * 2 ** 32) >>> 0;
      else f[0] = (Math.random() - 0.5) * 10 ** ((i % 16) - 6);
      values.push(f[0]);
    }
    // Neighbours of every decade boundary: the rounding carries (9.9999996 → 10) live there.
    // Small scores too: the exponent form down to 1e-13, and the fallback below it.
    for (let i = 0; i < 20_000; i++) {
      f[0] = (Math.random() - 0.5) * 10 ** (-(i % 16) - 3);
      values.push(f[0]);
    }
    for (const decade of [1e-14, 1e-13, 1e-9, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000, 1e4, 1e5, 1e6])
      for (let d = -40; d <= 40; d++) {
        f[0] = decade;
        bits[0] += d;
        values.push(f[0], -f[0]);
      }
    values.push(0, -0, 0.82, 4, Number.NaN, Number.POSITIVE_INFINITY);
    const wrong = values.filter((v) => {
      const w = new JsonWriter();
      w.float32(v);
      return w.toBuffer().toString("latin1") !== formatDecimal(v, true);
    });
    expect(wrong).toEqual([]);
    // One long text grows the scratch buffer well past its 64 KiB start.
    const w = new JsonWriter();
    values.forEach((v, i) => {
      if (i > 0) w.byte(0x2c);
      w.float32(v);
    });
    expect(w.toBuffer().toString("latin1")).toBe(values.map((v) => formatDecimal(v, true)).join(","));
  });
});

describe("predict-body fast path", () => {
  const int32: TensorSpec = { dtype: "DT_INT32", shape: [-1], onnxName: "a" };
  const float: TensorSpec = { dtype: "DT_FLOAT", shape: [-1], onnxName: "b" };
  const int64: TensorSpec = { dtype: "DT_INT64", shape: [-1], onnxName: "c" };
  const specs: Record<string, TensorSpec> = { a: int32, b: float, c: int64 };
  const faithful = (body: string) => {
    try {
      return convertPredictInputs(parsePredictBody(Buffer.from(body)), specs);
    } catch (err) {
      return (err as Error).message;
    }
  };
  const fast = (body: string) => {
    const scanned = scanPredictBody(Buffer.from(body));
    return scanned && fastInputs(scanned, specs);
  };

  it("builds the very tensors the faithful path builds", () => {
    for (const body of [
      '{"inputs":{"a":[1,-2,2147483647],"b":[0.5,-0,1e3,6.0,0.1234567891234,123456789012345],"c":[-0,-999999999999999,3]}}',
      ' { "signature_name" : "serving_default" , "instances" : [ {"a":1,"b":2.5,"c":3} ,\n{"c":4,"b":-1E-7,"a":-5}] } trailing',
      '{"instances":[{"b":1,"a":2,"c":3}],"signature_name":""}',
    ]) {
      const got = fast(body);
      expect(got, body).toBeDefined();
      expect(got).toEqual(faithful(body));
    }
  });

  it("gives up (the faithful path then answers or reports TF's error) on anything it is unsure of", () => {
    for (const body of [
      '{"inputs":{"a":[6.0],"b":[1],"c":[1]}}', // decimal for an int input: TF's type error
      '{"inputs":{"a":[2147483648],"b":[1],"c":[1]}}', // outside int32
      '{"inputs":{"a":[1],"b":[1],"c":[12345678901234567]}}', // over 15 digits
      '{"inputs":{"a":[1],"b":[1.5e300],"c":[1]}}', // not exact in one operation
      '{"inputs":{"a":[1],"b":[NaN],"c":[1]}}',
      '{"inputs":{"a":[1],"a":[2],"b":[1],"c":[1]}}', // duplicate key
      '{"inputs":{"a":[1],"b":[1]}}', // missing input
      '{"inputs":{"a":[1],"b":[1],"c":[1],"d":[1]}}', // extra input
      '{"inputs":{"a":[[1]],"b":[1],"c":[1]}}', // nested
      '{"inputs":{"a":[],"b":[1],"c":[1]}}',
      '{"instances":[{"a":1,"b":1,"c":1},{"a":1,"b":1}]}', // ragged keys
      '{"instances":[{"a":1,"b":1,"c":1},{"a":1,"a":1,"b":1,"c":1}]}',
      '{"instances":[{"a":1,"b":1,"c":1}],"inputs":{}}',
      '{"instances":[{"a":1,"b":1,"c":1}],"instances":[]}',
      '{"inputs":{"a":[1],"b":[1],"c":[1]},"signature_name":"x\\y"}', // escape
      '{"inputs":{"a":[1],"b":[1],"c":[1]},"other":1}',
      '{"inputs":{"a":[1],"b":[1],"c":[1]}', // truncated
      "[1,2]",
      "",
    ])
      expect(fast(body), body).toBeUndefined();
  });
});

describe("predict-body JSON parser", () => {
  it("keeps integer vs decimal literals, NaN/Infinity, key order and duplicates; ignores trailing bytes", () => {
    const v = parseJson(
      Buffer.from('{"a":6,"b":6.0,"c":[1e3,-0.5,NaN,-Infinity],"a":"x\\u00e9\\n"} trailing'),
    ) as JsonObject;
    expect(v.keys).toEqual(["a", "b", "c", "a"]);
    expect(v.get("a")).toBe(6);
    expect(v.get("b")).toEqual(new JsonDecimal(6));
    const c = v.get("c") as unknown[];
    expect(c[0]).toEqual(new JsonDecimal(1000));
    expect(c[1]).toBe(-0.5);
    expect(Number.isNaN(c[2])).toBe(true);
    expect(c[3]).toBe(Number.NEGATIVE_INFINITY);
    expect(v.values[3]).toBe("xé\n");
  });
  it("reports rapidjson's messages and offsets", () => {
    const err = (s: string) => {
      try {
        parseJson(Buffer.from(s));
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(err("   ")).toBe("The document is empty. at offset: 3");
    expect(err('{"a" 1}')).toBe("Missing a colon after a name of object member. at offset: 5");
    expect(err("{1:2}")).toBe("Missing a name for object member. at offset: 1");
    expect(err("[1.]")).toBe("Miss fraction part in number. at offset: 3");
    expect(err('"abc')).toBe("Missing a closing quotation mark in string. at offset: 4");
    expect(err("[tru]")).toBe("Invalid value. at offset: 1");
  });
  it("quotes values like rapidjson's PrettyWriter, cut at 256 characters", () => {
    expect(jsonDebugString(parseJson(Buffer.from('{"x":[1,2.5],"y":{}}')))).toBe(
      '{\n    "x": [\n        1,\n        2.5\n    ],\n    "y": {}\n}',
    );
    const long = jsonDebugString(parseJson(Buffer.from(JSON.stringify({ xs: new Array(500).fill(1) }))));
    expect(long.length).toBe(259);
    expect(long.endsWith("...")).toBe(true);
  });
});

describe("configuration", () => {
  it("reads TF's text-format ModelServerConfig and the JSON equivalent", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wren-config-"));
    try {
      const text = join(dir, "models.config");
      await writeFile(
        text,
        `# two models
model_config_list: {
  config: { name: "a" base_path: "/m/a" model_platform: "tensorflow"
            model_version_policy: { latest: { num_versions: 2 } } }
  config { name: 'b' base_path: '/m/b' model_version_policy { all {} }
           version_labels { key: 'stable' value: 3 } }
}`,
      );
      expect(readModelConfigFile(text)).toEqual([
        { name: "a", basePath: "/m/a", versionPolicy: { latest: 2 } },
        { name: "b", basePath: "/m/b", versionPolicy: { all: true }, versionLabels: { stable: 3 } },
      ]);
      const json = join(dir, "models.json");
      await writeFile(
        json,
        JSON.stringify({
          model_config_list: {
            config: [
              { name: "c", base_path: "/m/c", model_version_policy: { specific: { versions: [1, 2] } } },
            ],
          },
        }),
      );
      expect(readModelConfigFile(json)).toEqual([
        { name: "c", basePath: "/m/c", versionPolicy: { specific: [1, 2] } },
      ]);
      await writeFile(text, "model_config_list { config { name: 'x' } }");
      expect(() => readModelConfigFile(text)).toThrow(
        /models\.config: model_config_list\.config\[0\]\.base_path must be a non-empty string/,
      );
      await writeFile(text, "model_config_list { config { name: 'x' base_path: '/x' }");
      expect(() => readModelConfigFile(text)).toThrow(/models\.config:1: missing }/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("parses TF Serving's flags, with clear errors", () => {
    const o = parseCli([
      "--model_name=recmodel",
      "--model_base_path",
      "/m",
      "--port=9000",
      "--rest_api_port=0",
      "--enable_batching",
    ]);
    expect(o).toMatchObject({
      grpcPort: 9000,
      restPort: null,
      enableBatching: true,
      models: [{ name: "recmodel", basePath: "/m" }],
    });
    expect(parseCli(["--model_base_path=/m"])).toMatchObject({
      models: [{ name: "default" }],
      restTimeoutMs: 30_000,
    });
    expect(parseCli(["--model_base_path=/m", "--rest_api_timeout_in_ms=250"]).restTimeoutMs).toBe(250);
    expect(
      parseCli(["--model_base_path=/m", "--max_num_load_retries=2", "--load_retry_interval_micros=500000"]),
    ).toMatchObject({ maxLoadRetries: 2, loadRetryIntervalMs: 500 });
    expect(parseCli(["--help"]).help).toBe(true);
    expect(() => parseCli([])).toThrow(/--model_base_path .* or --model_config_file is required/);
    expect(() => parseCli(["--model_base_path=/m", "--port=x"])).toThrow(
      "--port must be an integer >= 0, got x",
    );
    expect(() => parseCli(["--model_base_path=/m", "--port=8500", "--rest_api_port=8500"])).toThrow(
      /must differ/,
    );
    expect(() => parseCli(["--model_base_path=/m", "--batching_parameters_file=/b"])).toThrow(
      /requires --enable_batching/,
    );
  });
});
