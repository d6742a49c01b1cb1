import { JsonBigInt, JsonDecimal, JsonObject, type JsonValue } from "./json-parse.js";

/** JSON values quoted inside TF Serving error messages are cut to this many bytes (kMaxJsonDebugStringBytes). */
const MAX_DEBUG_CHARS = 256;

/**
 * Formats a float the way TF Serving's WriteDecimal does: the shortest `%g` (6 significant digits) if it
 * parses back to the same value, else full precision (9 digits for float32, 17 for double); `.0` appended
 * to whole numbers; NaN / Infinity / -Infinity as bare tokens. (JsonWriter.float32 has a fast path for
 * response scores that must print the same text.)
 */
export function formatDecimal(v: number, float32: boolean): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  let s = formatG(v, 6);
  const back = Number(s);
  if (float32 ? Math.fround(back) !== v : back !== v) s = formatG(v, float32 ? 9 : 17);
  if (s.indexOf(".") < 0 && s.indexOf("e") < 0) s += ".0";
  return s;
}

/** C's `%.{p}g`. */
function formatG(v: number, p: number): string {
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const abs = Math.abs(v);
  // toPrecision switches to exponent form only below 1e-6; %g does below 1e-4.
  if (abs >= 1e-4 && abs < 10 ** p) {
    const fixed = v.toPrecision(p);
    if (fixed.indexOf("e") < 0) return stripZeros(fixed);
  }
  const e = v.toExponential(p - 1);
  const at = e.indexOf("e");
  const mantissa = stripZeros(e.slice(0, at));
  const exp = Number(e.slice(at + 1));
  const expAbs = Math.abs(exp);
  if (exp >= -4 && exp < p) return stripZeros(v.toFixed(Math.max(0, p - 1 - exp)));
  return `${mantissa}e${exp < 0 ? "-" : "+"}${expAbs < 10 ? "0" : ""}${expAbs}`;
}

function stripZeros(s: string): string {
  if (s.indexOf(".") < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 0x30) end--;
  if (s.charCodeAt(end - 1) === 0x2e) end--;
  return s.slice(0, end);
}

/** rapidjson's JsonTypeString, for "Type: X" in error messages. */
export function jsonTypeName(v: JsonValue): string {
  if (v === null) return "Null";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return "String";
  if (Array.isArray(v)) return "Array";
  if (v instanceof JsonObject) return "Object";
  return "Number";
}

/**
 * A JSON value as TF Serving quotes it in error messages (rapidjson PrettyWriter, 4-space indent),
 * cut to 256 characters. Stops writing once past the limit, so quoting a large body stays cheap.
 */
export function jsonDebugString(v: JsonValue): string {
  const out: string[] = [];
  let length = 0;
  const push = (s: string) => {
    out.push(s);
    length += s.length;
  };
  const write = (x: JsonValue, indent: string) => {
    if (length > MAX_DEBUG_CHARS) return;
    if (x === null) push("null");
    else if (typeof x === "boolean") push(String(x));
    else if (typeof x === "string") push(JSON.stringify(x));
    else if (typeof x === "number") push(Number.isInteger(x) ? String(x) : formatDecimal(x, false));
    else if (x instanceof JsonDecimal) push(formatDecimal(x.value, false));
    else if (x instanceof JsonBigInt) push(x.text);
    else if (Array.isArray(x)) {
      if (x.length === 0) return push("[]");
      push("[");
      const inner = `${indent}    `;
      for (let i = 0; i < x.length && length <= MAX_DEBUG_CHARS; i++) {
        push(i === 0 ? `\n${inner}` : `,\n${inner}`);
        write(x[i], inner);
      }
      push(`\n${indent}]`);
    } else {
      if (x.keys.length === 0) return push("{}");
      push("{");
      const inner = `${indent}    `;
      for (let i = 0; i < x.keys.length && length <= MAX_DEBUG_CHARS; i++) {
        push(`${i === 0 ? "\n" : ",\n"}${inner}${JSON.stringify(x.keys[i])}: `);
        write(x.values[i], inner);
      }
      push(`\n${indent}}`);
    }
  };
  write(v, "");
  const s = out.join("");
  return s.length > MAX_DEBUG_CHARS ? `${s.slice(0, MAX_DEBUG_CHARS)}...` : s;
}
