/** A problem in one line of a data file: the message reads `file:line: problem`. */
export class MovieLensParseError extends Error {
  override readonly name = "MovieLensParseError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** A directory that holds no MovieLens data set (missing, empty, or other files). */
export class DatasetNotFoundError extends Error {
  override readonly name = "DatasetNotFoundError";
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
  }
}
