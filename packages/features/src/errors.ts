/** Bad input data: names the file, the 1-based line (when one line is at fault) and the problem. */
export class FeatureInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
  ) {
    super(`${file}${line === null ? "" : `:${line}`}: ${problem}`);
    this.name = "FeatureInputError";
  }
}
