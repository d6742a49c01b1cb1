/**
 * Predict outputs → the REST response body, as TF Serving's MakeRowFormatJsonFromTensors /
 * MakeColumnarFormatJsonFromTensors write it. Hand-written because JSON.stringify of nested arrays costs more
 * than scoring 800 rows, and because floats must be printed TF's way.
 */

import type { Tensor } from "@wren/tfserving-client";
import { formatDecimal } from "./json-format.js";
import type { JsonFormat } from "./json-request.js";
import { JsonWriter } from "./json-writer.js";
import { invalidArgument } from "./tf-error.js";

export type NamedTensors = ReadonlyArray<readonly [string, Tensor]>;

const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;

function leaf(w: JsonWriter, t: Tensor, i: number, bytesAlias: boolean): void {
  if (t.dtype === "DT_FLOAT") w.float32(t.data[i]);
  else if (t.dtype === "DT_DOUBLE") w.ascii(formatDecimal(t.data[i], false));
  else if (t.dtype === "DT_BOOL") w.ascii(t.data[i] ? "true" : "false");
  else if (t.dtype !== "DT_STRING") w.ascii(String(t.data[i]));
  else if (bytesAlias) w.ascii(`{"b64":"${Buffer.from(t.data[i]).toString("base64")}"}`);
  else w.utf8(JSON.stringify(Buffer.from(t.data[i]).toString("utf8")));
}

/** Writes elements [offset, offset + prod(dims)) of `t` as nested lists shaped `dims`. */
function writeNested(
  w: JsonWriter,
  t: Tensor,
  offset: number,
  dims: readonly number[],
  level: number,
  bytesAlias: boolean,
): void {
  if (level === dims.length) {
    leaf(w, t, offset, bytesAlias);
    return;
  }
  const n = dims[level];
  w.byte(OPEN);
  // A column of one-element rows ([[0.82],[0.86],…], a model's score output) in one loop.
  if (level === dims.length - 2 && dims[level + 1] === 1) {
    for (let i = 0; i < n; i++) {
      if (i > 0) w.byte(COMMA);
      w.byte(OPEN);
      leaf(w, t, offset + i, bytesAlias);
      w.byte(CLOSE);
    }
    w.byte(CLOSE);
    return;
  }
  let stride = 1;
  for (let k = level + 1; k < dims.length; k++) stride *= dims[k];
  for (let i = 0; i < n; i++) {
    if (i > 0) w.byte(COMMA);
    writeNested(w, t, offset + i * stride, dims, level + 1, bytesAlias);
  }
  w.byte(CLOSE);
}

const isBytesAlias = (alias: string) => alias.endsWith("_bytes");

function rowFormat(w: JsonWriter, outputs: NamedTensors): void {
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
    writeNested(w, t, 0, t.dims, 0, isBytesAlias(alias));
    return;
  }
  const named = outputs.map(([alias, t]) => {
    const inner = t.dims.slice(1);
    const stride = inner.reduce((a, b) => a * b, 1);
    return { key: `${JSON.stringify(alias)}:`, t, inner, stride, bytes: isBytesAlias(alias) };
  });
  w.byte(OPEN);
  for (let i = 0; i < batch; i++) {
    w.ascii(i > 0 ? ",{" : "{");
    named.forEach(({ key, t, inner, stride, bytes }, k) => {
      if (k > 0) w.byte(COMMA);
      w.utf8(key);
      writeNested(w, t, i * stride, inner, 0, bytes);
    });
    w.ascii("}");
  }
  w.byte(CLOSE);
}

function columnarFormat(w: JsonWriter, outputs: NamedTensors): void {
  if (outputs.length === 1) {
    const [alias, t] = outputs[0];
    writeNested(w, t, 0, t.dims, 0, isBytesAlias(alias));
    return;
  }
  w.ascii("{");
  outputs.forEach(([alias, t], k) => {
    w.utf8(`${k > 0 ? "," : ""}${JSON.stringify(alias)}:`);
    writeNested(w, t, 0, t.dims, 0, isBytesAlias(alias));
  });
  w.ascii("}");
}

/** `{"predictions": …}` for row requests, `{"outputs": …}` for columnar ones, as UTF-8 bytes. */
export function predictResponseJson(format: JsonFormat, outputs: NamedTensors): Buffer {
  const w = new JsonWriter();
  if (format === "row") {
    w.ascii('{"predictions":');
    rowFormat(w, outputs);
  } else {
    w.ascii('{"outputs":');
    columnarFormat(w, outputs);
  }
  w.ascii("}");
  return w.toBuffer();
}
