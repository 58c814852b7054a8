/**
 * Typings for the part of better-sqlite3 (v12 ships none) that the rosbag2 sqlite3 reader and the
 * tests use.
 */
declare module "better-sqlite3" {
  namespace Database {
    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
    }
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }
    interface Statement {
      /** Return INTEGER columns as bigint (needed for nanosecond timestamps). */
      safeIntegers(toggle?: boolean): this;
      run(...params: unknown[]): RunResult;
      get(...params: unknown[]): unknown;
      all(...params: unknown[]): unknown[];
      iterate(...params: unknown[]): IterableIterator<unknown>;
    }
  }
  class Database {
    constructor(filename: string, options?: Database.Options);
    prepare(sql: string): Database.Statement;
    exec(sql: string): this;
    pragma(source: string, options?: { simple?: boolean }): unknown;
    transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
    close(): this;
    readonly open: boolean;
    readonly readonly: boolean;
  }
  export = Database;
}
