/**
 * Error classes of the cdb package. Each failure a caller may want to tell
 * apart (a damaged file, a database that would not fit its format, bad
 * cdbmake text, use after close) has its own class; I/O errors from the
 * operating system (ENOENT, EACCES, ENOSPC, …) are passed on unchanged.
 */

/** Base class: `instanceof CdbError` catches every error raised by this package itself. */
export class CdbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The file is not a well-formed cdb of the expected format: truncated, a
 * pointer past the end, a record that overruns the data area, … Raised
 * instead of ever reading out of bounds or probing forever.
 */
export class CdbCorruptError extends CdbError {
  /** The file name when the database was opened by path; undefined for an in-memory buffer. */
  readonly file: string | undefined;
  /** The byte offset of the structure found to be bad. */
  readonly offset: number;

  constructor(file: string | undefined, offset: number, problem: string) {
    super(`${file === undefined ? 'cdb buffer' : `cdb file ${file}`} is corrupt: ${problem} (at offset ${offset})`);
    this.file = file;
    this.offset = offset;
  }
}

/**
 * Adding a record would make the file reach the format's size limit (4 GiB
 * for classic cdb, whose offsets are 32-bit) or a lower limit the caller set.
 * The writer refuses rather than wrap an offset around, and discards the
 * temporary file; the record was not written.
 */
export class CdbTooLargeError extends CdbError {
  constructor(
    readonly limit: number,
    readonly needed: number,
  ) {
    super(`cdb would be ${needed} bytes, over its size limit of ${limit} bytes`);
  }
}

/** A cdbmake/cdbdump text (`+klen,dlen:key->data\n`…`\n`) that does not follow the format. */
export class CdbTextError extends CdbError {
  constructor(
    readonly offset: number,
    problem: string,
  ) {
    super(`bad cdbmake input at byte ${offset}: ${problem}`);
  }
}

/** A reader or writer used after close(), finish() or abort(). */
export class CdbClosedError extends CdbError {}
