import type { Static, TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { WrenError } from "./errors.js";

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker<T extends TSchema>(schema: T): TypeCheck<T> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c as TypeCheck<T>;
}

/** True when `value` matches `schema` (compiled once per schema). */
export function isValid<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return checker(schema).Check(value);
}

/**
 * Returns `value` typed when it matches, else throws a 400 WrenError naming the first offending path,
 * e.g. `invalid request: /userId Expected integer`.
 */
export function assertValid<T extends TSchema>(schema: T, value: unknown, what = "message"): Static<T> {
  const c = checker(schema);
  if (c.Check(value)) return value;
  const first = c.Errors(value).First();
  const where = first?.path ? first.path : "/";
  throw WrenError.badRequest(`invalid ${what}: ${where} ${first?.message ?? "does not match the schema"}`);
}
