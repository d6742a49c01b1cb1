/**
 * REST predict bodies → tensors, following TF Serving's FillPredictRequestFromJson (util/json_tensor.cc):
 * the same checks in the same order, with the same error texts.
 */
import type { TensorSpec, TfDtype } from "@wren/onnx";
import { allocTensor, elementCount, type Tensor, TF_DTYPE_SHORT } from "@wren/tfserving-client";
import { jsonDebugString, jsonTypeName } from "./json-format.js";
import {
  JsonBigInt,
  JsonDecimal,
  JsonObject,
  JsonParseError,
  type JsonValue,
  parseJson,
} from "./json-parse.js";
import { invalidArgument, TfError } from "./tf-error.js";

export type JsonFormat = "row" | "columnar";

export interface ParsedPredictBody {
  doc: JsonObject;
  /** "" when absent: the default signature. */
  signatureName: string;
}

/** Step 1–2: parse the body and read `signature_name`. */
export function parsePredictBody(body: Uint8Array): ParsedPredictBody {
  if (body.length === 0) throw invalidArgument("JSON Parse error: The document is empty");
  let doc: JsonValue;
  try {
    doc = parseJson(body);
  } catch (err) {
    if (err instanceof JsonParseError) throw invalidArgument(`JSON Parse error: ${err.message}`);
    throw err;
  }
  if (!(doc instanceof JsonObject))
    throw invalidArgument(`JSON Value: ${jsonDebugString(doc)} Is not object`);
  const sig = doc.get("signature_name");
  if (sig !== undefined && typeof sig !== "string")
    throw invalidArgument(
      `JSON Value: ${jsonDebugString(doc)} not formatted correctly. 'signature_name' key must be a string value.`,
    );
  return { doc, signatureName: sig ?? "" };
}

export interface ConvertedRequest {
  format: JsonFormat;
  inputs: Map<string, Tensor>;
}

/** Steps 4: converts `instances` or `inputs` using the signature's input dtypes. */
export function convertPredictInputs(
  parsed: ParsedPredictBody,
  signatureInputs: Record<string, TensorSpec>,
): ConvertedRequest {
  const { doc } = parsed;
  const instances = doc.get("instances");
  const inputs = doc.get("inputs");
  if (instances !== undefined) {
    if (inputs !== undefined)
      throw invalidArgument(
        `JSON Value: ${jsonDebugString(doc)} Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist `,
      );
    if (!Array.isArray(instances))
      throw invalidArgument(`JSON Value: ${jsonDebugString(doc)} Expecting 'instances' to be an list/array`);
    if (instances.length === 0)
      throw invalidArgument(`JSON Value: ${jsonDebugString(doc)} No values in 'instances' array`);
    return { format: "row", inputs: fromInstances(instances, signatureInputs) };
  }
  if (inputs !== undefined) return { format: "columnar", inputs: fromInputs(inputs, signatureInputs) };
  throw invalidArgument("Missing 'inputs' or 'instances' key");
}

const isBase64Object = (v: JsonValue): boolean =>
  v instanceof JsonObject && v.keys.length === 1 && v.keys[0] === "b64" && typeof v.values[0] === "string";
const isElementObject = (v: JsonValue) => v instanceof JsonObject && !isBase64Object(v);

/** The shape implied by nesting, read from the first element at each level (GetDenseTensorShape). */
function denseShape(v: JsonValue): number[] {
  const dims: number[] = [];
  let x = v;
  while (Array.isArray(x)) {
    dims.push(x.length);
    if (x.length === 0) break;
    x = x[0];
  }
  return dims;
}

function typeError(v: JsonValue, dtype: TfDtype): TfError {
  return invalidArgument(
    `JSON Value: ${jsonDebugString(v)} Type: ${jsonTypeName(v)} is not of expected type: ${TF_DTYPE_SHORT[dtype]}`,
  );
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Writes one leaf (AddValueToTensor). */
function setLeaf(t: Tensor, i: number, v: JsonValue): void {
  switch (t.dtype) {
    case "DT_INT32":
      if (typeof v !== "number" || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)
        throw typeError(v, t.dtype);
      t.data[i] = v;
      return;
    case "DT_FLOAT":
    case "DT_DOUBLE":
      if (typeof v === "number") t.data[i] = v;
      else if (v instanceof JsonDecimal) t.data[i] = v.value;
      else if (v instanceof JsonBigInt) t.data[i] = Number(v.value);
      else throw typeError(v, t.dtype);
      return;
    case "DT_INT64":
      if (typeof v === "number" && Number.isInteger(v)) t.data[i] = BigInt(v);
      else if (v instanceof JsonBigInt && v.value >= INT64_MIN && v.value <= INT64_MAX) t.data[i] = v.value;
      else throw typeError(v, t.dtype);
      return;
    case "DT_BOOL":
      if (typeof v !== "boolean") throw typeError(v, t.dtype);
      t.data[i] = v ? 1 : 0;
      return;
    case "DT_STRING":
      if (typeof v === "string") t.data[i] = Buffer.from(v, "utf8");
      else if (isBase64Object(v)) t.data[i] = decodeBase64((v as JsonObject).values[0] as string);
      else if (v instanceof JsonObject)
        throw invalidArgument(`JSON Value: ${jsonDebugString(v)} not formatted correctly for base64 data`);
      else throw typeError(v, t.dtype);
      return;
  }
}

function decodeBase64(s: string): Uint8Array {
  // Buffer.from silently skips invalid characters; absl::Base64Unescape rejects them.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.replace(/=+$/, "").length % 4 === 1)
    throw invalidArgument("Unable to base64 decode");
  return Buffer.from(s, "base64");
}

/**
 * The common case, a flat list of plain numbers into an int32 or float tensor, in one tight loop. Returns
 * false at the first value it cannot take, so the general path rewrites the list and reports that value.
 */
function fillNumbers(t: Tensor, base: number, v: JsonValue[]): boolean {
  if (t.dtype === "DT_INT32") {
    const out = t.data;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== "number" || (x | 0) !== x) return false;
      out[base + i] = x;
    }
    return true;
  }
  if (t.dtype === "DT_FLOAT" || t.dtype === "DT_DOUBLE") {
    const out = t.data;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== "number") return false;
      out[base + i] = x;
    }
    return true;
  }
  return false;
}

/**
 * Fills `t` from offset `base` with the leaves of `v`, whose shape must be `dims` (FillTensorProto).
 * Returns the number of leaves written.
 */
function fillValue(t: Tensor, base: number, v: JsonValue, dims: readonly number[], level = 0): number {
  if (!Array.isArray(v)) {
    if (level !== dims.length)
      throw invalidArgument(
        `JSON Value: ${jsonDebugString(v)} found at incorrect level: ${level + 1} in the JSON DOM. Expected at level: ${dims.length}`,
      );
    if (v instanceof JsonObject && t.dtype !== "DT_STRING") throw typeError(v, t.dtype);
    setLeaf(t, base, v);
    return 1;
  }
  if (level >= dims.length)
    throw invalidArgument(`Encountered list at unexpected level: ${level} expected < ${dims.length}`);
  if (v.length !== dims[level])
    throw invalidArgument(
      `Encountered list at unexpected size: ${v.length} at level: ${level} expected size: ${dims[level]}`,
    );
  if (level === dims.length - 1 && fillNumbers(t, base, v)) return v.length;
  let written = 0;
  for (const item of v) written += fillValue(t, base + written, item, dims, level + 1);
  return written;
}

/** One input's tensor from a columnar value: its full shape comes from the nesting. */
function tensorFromValue(v: JsonValue, spec: TensorSpec): Tensor {
  const dims = denseShape(v);
  const t = allocTensor(spec.dtype, dims);
  fillValue(t, 0, v, dims);
  return t;
}

function fromInputs(v: JsonValue, specs: Record<string, TensorSpec>): Map<string, Tensor> {
  const aliases = Object.keys(specs);
  const out = new Map<string, Tensor>();
  if (!(v instanceof JsonObject) || isBase64Object(v)) {
    if (aliases.length > 1)
      throw invalidArgument(
        "inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map",
      );
    out.set(aliases[0], tensorFromValue(v, specs[aliases[0]]));
    return out;
  }
  for (const alias of aliases) {
    const item = v.get(alias);
    if (item === undefined) throw invalidArgument(`Missing named input: ${alias} in 'inputs' object.`);
    out.set(alias, tensorFromValue(item, specs[alias]));
  }
  return out;
}

interface RowInput {
  spec: TensorSpec;
  /** Per-instance shape and element count, fixed by the first instance that has this input. */
  dims?: number[];
  size: number;
  tensor?: Tensor;
}

function fromInstances(instances: JsonValue[], specs: Record<string, TensorSpec>): Map<string, Tensor> {
  const aliases = Object.keys(specs);
  const n = instances.length;
  if (!(instances[0] instanceof JsonObject) && aliases.length > 1)
    throw invalidArgument(
      "instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map",
    );
  const objects = isElementObject(instances[0]);
  const rows = new Map<string, RowInput>(aliases.map((a) => [a, { spec: specs[a], size: 0 }]));
  const sortedAliases = [...aliases].sort();

  // AddInstanceItem: one instance's value for one input, checked against the first instance's shape.
  const addItem = (row: RowInput, v: JsonValue, i: number) => {
    // Scalar instances (one id per row): no shape to compare.
    if (!Array.isArray(v) && row.tensor && row.size === 1 && (row.dims as number[]).length === 0) {
      if (v instanceof JsonObject && row.spec.dtype !== "DT_STRING") throw typeError(v, row.spec.dtype);
      setLeaf(row.tensor, i, v);
      return;
    }
    const dims = denseShape(v);
    if (!row.tensor) {
      row.dims = dims;
      row.size = elementCount(dims);
      row.tensor = allocTensor(row.spec.dtype, [n, ...dims]);
    }
    const size = elementCount(dims);
    // Fill first (type and level errors come before size errors, as in TF), into a scratch slot when the
    // size differs so a bad instance cannot write past its slot.
    if (size === row.size) fillValue(row.tensor, i * row.size, v, dims);
    else fillValue(allocTensor(row.spec.dtype, dims), 0, v, dims);
    if (size !== row.size) throw invalidArgument(`Expecting tensor size: ${row.size} but got: ${size}`);
    const expected = row.dims as number[];
    if (dims.length !== expected.length || dims.some((d, k) => d !== expected[k]))
      throw invalidArgument(`Expecting shape [${expected.join(",")}] but got: [${dims.join(",")}]`);
  };

  for (let i = 0; i < n; i++) {
    const elem = instances[i];
    if (objects) {
      if (!isElementObject(elem))
        throw invalidArgument(`Expecting object but got list at item ${i} of input list`);
      const obj = elem as JsonObject;
      for (let k = 0; k < obj.keys.length; k++) {
        const name = obj.keys[k];
        const row = rows.get(name);
        try {
          if (!row) throw invalidArgument(`JSON object: does not have named input: ${name}`);
          addItem(row, obj.values[k], i);
        } catch (e) {
          if (!(e instanceof TfError)) throw e;
          throw invalidArgument(
            `Failed to process element: ${i} key: ${name} of 'instances' list. Error: ${e.toStatusString()}`,
          );
        }
      }
      if (!sameKeySet(obj.keys, sortedAliases))
        throw invalidArgument(
          `Failed to process element: ${i} of 'instances' list. JSON object: ${jsonDebugString(obj)} keys must be equal to: ${sortedAliases.join(",")}`,
        );
    } else {
      if (isElementObject(elem))
        throw invalidArgument(`Expecting value/list but got object at item ${i} of input list`);
      try {
        addItem(rows.get(aliases[0]) as RowInput, elem, i);
      } catch (e) {
        if (!(e instanceof TfError)) throw e;
        throw invalidArgument(
          `Failed to process element: ${i} of 'instances' list. Error: ${e.toStatusString()}`,
        );
      }
    }
  }
  const out = new Map<string, Tensor>();
  for (const [alias, row] of rows) if (row.tensor) out.set(alias, row.tensor);
  return out;
}

/** Whether an object's keys (duplicates allowed, as in TF's std::set) are exactly the alias set. */
function sameKeySet(keys: string[], sortedAliases: string[]): boolean {
  const set = new Set(keys);
  return set.size === sortedAliases.length && sortedAliases.every((a) => set.has(a));
}
