/**
 * Predict outputs → the REST response body, as TF Serving's MakeRowFormatJsonFromTensors /
 * MakeColumnarFormatJsonFromTensors write it. Hand-written because JSON.stringify of nested arrays costs more
 * than scoring 800 rows, and because floats must be printed TF's way.
 */

import type { Tensor } from "@wren/tfserving-client";
import { formatDecimal } from "./json-format.js";
import type { JsonFormat } from "./json-request.js";
import { invalidArgument } from "./tf-error.js";

export type NamedTensors = ReadonlyArray<readonly [string, Tensor]>;

function leaf(t: Tensor, i: number, bytesAlias: boolean): string {
  switch (t.dtype) {
    case "DT_FLOAT":
      return formatDecimal(t.data[i], true);
    case "DT_DOUBLE":
      return formatDecimal(t.data[i], false);
    case "DT_INT32":
    case "DT_INT64":
      return String(t.data[i]);
    case "DT_BOOL":
      return t.data[i] ? "true" : "false";
    case "DT_STRING": {
      const b = Buffer.from(t.data[i]);
      return bytesAlias ? `{"b64":"${b.toString("base64")}"}` : JSON.stringify(b.toString("utf8"));
    }
  }
}

/** Writes elements [offset, offset + prod(dims)) of `t` as nested lists shaped `dims`. */
function writeNested(
  t: Tensor,
  offset: number,
  dims: readonly number[],
  level: number,
  bytesAlias: boolean,
): string {
  if (level === dims.length) return leaf(t, offset, bytesAlias);
  const n = dims[level];
  if (n === 0) return "[]";
  let stride = 1;
  for (let k = level + 1; k < dims.length; k++) stride *= dims[k];
  // Fast path for the innermost level.
  if (level === dims.length - 1) {
    let s = `[${leaf(t, offset, bytesAlias)}`;
    for (let i = 1; i < n; i++) s += `,${leaf(t, offset + i, bytesAlias)}`;
    return `${s}]`;
  }
  let s = "[";
  for (let i = 0; i < n; i++) {
    if (i > 0) s += ",";
    s += writeNested(t, offset + i * stride, dims, level + 1, bytesAlias);
  }
  return `${s}]`;
}

const isBytesAlias = (alias: string) => alias.endsWith("_bytes");

function rowFormat(outputs: NamedTensors): string {
  let batch = -1;
  for (const [alias, t] of outputs) {
    if (t.dims.length === 0) throw invalidArgument(`Tensor name: ${alias} has no shape information`);
    if (batch < 0) batch = t.dims[0];
    else if (t.dims[0] !== batch)
      throw invalidArgument(
        `Tensor name: ${alias} has inconsistent batch size: ${t.dims[0]} expecting: ${batch}`,
      );
  }
  if (outputs.length === 1) {
    const [alias, t] = outputs[0];
    return writeNested(t, 0, t.dims, 0, isBytesAlias(alias));
  }
  let s = "[";
  for (let i = 0; i < batch; i++) {
    if (i > 0) s += ",";
    s += "{";
    outputs.forEach(([alias, t], k) => {
      const inner = t.dims.slice(1);
      const stride = inner.reduce((a, b) => a * b, 1);
      s += `${k > 0 ? "," : ""}${JSON.stringify(alias)}:${writeNested(t, i * stride, inner, 0, isBytesAlias(alias))}`;
    });
    s += "}";
  }
  return `${s}]`;
}

function columnarFormat(outputs: NamedTensors): string {
  if (outputs.length === 1) {
    const [alias, t] = outputs[0];
    return writeNested(t, 0, t.dims, 0, isBytesAlias(alias));
  }
  let s = "{";
  outputs.forEach(([alias, t], k) => {
    s += `${k > 0 ? "," : ""}${JSON.stringify(alias)}:${writeNested(t, 0, t.dims, 0, isBytesAlias(alias))}`;
  });
  return `${s}}`;
}

/** `{"predictions": …}` for row requests, `{"outputs": …}` for columnar ones. */
export function predictResponseJson(format: JsonFormat, outputs: NamedTensors): string {
  return format === "row"
    ? `{"predictions":${rowFormat(outputs)}}`
    : `{"outputs":${columnarFormat(outputs)}}`;
}
