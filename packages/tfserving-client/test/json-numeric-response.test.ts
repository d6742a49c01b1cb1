import { describe, expect, it } from "vitest";
import { numericOutputFromJson as fromBytes } from "../src/json-numeric-response.js";
import { int32ListJson, parseTfJson, tensorFromJson } from "../src/json-tensor.js";
import type { Tensor } from "../src/tensor.js";

/** The fast path reads the UTF-8 body as it comes off the socket. */
const numericOutputFromJson = (text: string, field: "outputs" | "predictions", dtype: Tensor["dtype"]) =>
  fromBytes(Buffer.from(text), field, dtype);

/** What the general path makes of the same text. */
function general(text: string, field: "outputs" | "predictions", dtype: Tensor["dtype"]): Tensor {
  return tensorFromJson((parseTfJson(text) as Record<string, unknown>)[field], dtype);
}

/** Deterministic floats over many magnitudes and both signs, rounded to float32 as a model emits them. */
const floats = Array.from({ length: 4000 }, (_, i) =>
  Math.fround(Math.sin(i * 12.9898) * 10 ** ((i % 17) - 8)),
);

const formats: Record<string, (v: number) => string> = {
  "shortest float32 (9 significant digits)": (v) => String(Number(v.toPrecision(9))),
  "toPrecision(9), exponents included": (v) => v.toPrecision(9),
  "shortest double of the float": (v) => String(v),
  "exponent with a plus sign": (v) => v.toExponential(7).replace("e+", "E+"),
};

describe("numericOutputFromJson", () => {
  for (const [name, format] of Object.entries(formats))
    it(`gives the general path's floats, bit for bit: ${name}`, () => {
      // One literal of 17 digits sends a whole body to the general path: check those literals one by one.
      const exact = !name.startsWith("shortest double");
      const size = exact ? 400 : 1;
      let fast = 0;
      for (let start = 0; start < floats.length; start += size) {
        const chunk = floats.slice(start, start + size);
        const texts = [
          `{"outputs": [${chunk.map((v) => `[${format(v)}]`).join(", ")}]}`,
          `{"predictions":[${chunk.map(format).join(",")}]}`,
          `\n{ "outputs" :\t[ ${chunk.map((v, i) => `[ ${format(v)} , ${format(-v * i)} ]`).join(" ,\n")} ] }\n`,
        ];
        for (const text of texts) {
          const field = text.includes("predictions") ? "predictions" : "outputs";
          for (const dtype of ["DT_FLOAT", "DT_DOUBLE"] as const) {
            const expected = general(text, field, dtype);
            const got = numericOutputFromJson(text, field, dtype);
            if (!got) continue;
            fast++;
            expect(got.dims).toEqual(expected.dims);
            expect(got.dtype).toBe(dtype);
            expect(Array.from(got.data as Float64Array).every((v, i) => Object.is(v, expected.data[i]))).toBe(
              true,
            );
          }
        }
      }
      // What a model server prints (at most 9 significant digits) must always take the fast path.
      if (exact) expect(fast).toBe(60);
      else expect(fast).toBeGreaterThan(1000);
    });

  it.each([
    ["ragged rows", '{"outputs": [[1], [2, 3]]}'],
    ["a number beside a list", '{"outputs": [[1], 2]}'],
    ["a list beside a number", '{"outputs": [1, [2]]}'],
    ["NaN", '{"outputs": [[NaN], [1]]}'],
    ["-Infinity", '{"outputs": [-Infinity]}'],
    ["a string", '{"outputs": ["1"]}'],
    ["another key after", '{"outputs": [1], "x": 1}'],
    ["another key first", '{"x": 1, "outputs": [1]}'],
    ["a named output map", '{"outputs": {"score": [1]}}'],
    ["a trailing comma", '{"outputs": [1,]}'],
    ["a leading zero", '{"outputs": [01]}'],
    ["an empty list", '{"outputs": []}'],
    ["an empty row", '{"outputs": [[]]}'],
    ["a scalar", '{"outputs": 1}'],
    ["17 significant digits", '{"outputs": [0.12345678901234567]}'],
    ["a huge exponent", '{"outputs": [1e300]}'],
    ["a tiny exponent", '{"outputs": [1e-30]}'],
    ["a bare dot", '{"outputs": [1.]}'],
    ["trailing text", '{"outputs": [1]} x'],
    ["a truncated body", '{"outputs": [[0.5], [0.2'],
    ["the other field", '{"predictions": [1]}'],
  ])("gives up on %s", (_, text) => {
    expect(numericOutputFromJson(text, "outputs", "DT_FLOAT")).toBeUndefined();
  });

  it("leaves integer and string outputs to the general path", () => {
    expect(numericOutputFromJson('{"outputs": [1, 2]}', "outputs", "DT_INT32")).toBeUndefined();
    expect(numericOutputFromJson('{"outputs": [1, 2]}', "outputs", "DT_STRING")).toBeUndefined();
  });

  it("keeps the sign of negative zero and reads exponents", () => {
    const t = numericOutputFromJson('{"outputs": [-0, 0, 2.5e-3, -1E2, 7e+1]}', "outputs", "DT_DOUBLE");
    if (!t) throw new Error("the fast path gave up on plain numbers");
    expect(t.dims).toEqual([5]);
    expect(Array.from(t.data as Float64Array)).toEqual([-0, 0, 0.0025, -100, 70]);
    expect(Object.is(t.data[0], -0)).toBe(true);
  });
});

describe("int32ListJson (the request side of the same fast path)", () => {
  it("writes exactly the text Int32Array.join writes, at both ends of the int32 range", () => {
    const edges = [0, 1, -1, 9, 10, -10, 99, 100, 2 ** 31 - 1, -(2 ** 31), 999_999_999, 1_000_000_000];
    const random = Array.from({ length: 20_000 }, (_, i) => Math.trunc(Math.sin(i) * 2 ** 31));
    for (const values of [edges, random, []]) {
      const a = Int32Array.from(values);
      expect(int32ListJson(a).toString("latin1")).toBe(`[${a.join(",")}]`);
    }
  });
});
