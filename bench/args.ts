// Command-line flags of the bench scripts: `--name value` pairs, read once at start-up.
const argv = process.argv.slice(2);

export const hasFlag = (name: string): boolean => argv.includes(name);

export function stringArg(name: string, dflt: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : dflt;
}

export function positiveArg(name: string, dflt: number): number {
  const v = Number(stringArg(name, String(dflt)));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}
