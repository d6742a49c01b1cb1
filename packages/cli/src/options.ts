import { InvalidArgumentError } from "commander";

// Option parsers shared by every command, so a bad flag reads the same everywhere.

function integer(value: string, ok: (n: number) => boolean, expected: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || !ok(n))
    throw new InvalidArgumentError(`expected ${expected}, got "${value}"`);
  return n;
}

function decimal(value: string, ok: (n: number) => boolean, expected: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || !ok(n))
    throw new InvalidArgumentError(`expected ${expected}, got "${value}"`);
  return n;
}

export const positiveInt = (v: string) => integer(v, (n) => n >= 1, "a positive integer");
export const nonNegativeInt = (v: string) => integer(v, () => true, "an integer ≥ 0");
export const seedInt = (v: string) => integer(v, (n) => n <= 0xffffffff, "an integer 0–4294967295");
export const port = (v: string) => integer(v, (n) => n >= 1 && n <= 65535, "a port 1–65535");
export const positiveNumber = (v: string) => decimal(v, (n) => n > 0, "a number > 0");
export const nonNegativeNumber = (v: string) => decimal(v, (n) => n >= 0, "a number ≥ 0");
export const seconds = (v: string) => decimal(v, (n) => n > 0, "seconds > 0");
