/**
 * Processes on the real ROS graph for the tests: each started in its own process group (as a
 * terminal's job), its output kept, signalled as a group (Ctrl-C is SIGINT to the group), and
 * killed with its whole group when a test ends. The suite runs inside one loopback-only network
 * namespace (run.ts), with the colcon workspace's install/setup.bash sourced.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./ros-env";

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const running = new Set<RosProcess>();

/** The colcon workspace run.ts built, or undefined outside `npm run test:ros`. */
export const WORKSPACE = process.env.VBP_ROS_WS;

let announced = false;
/** For a suite's `before`: skips it (one line for the whole run) when there is no ROS graph. */
export function requireRosGraph(context: Mocha.Context): void {
  if (WORKSPACE !== undefined) return;
  if (!announced) console.log("real-graph ROS tests skipped: run them with npm run test:ros");
  announced = true;
  context.skip();
}

export class RosProcess {
  readonly name: string;
  readonly exited: Promise<Exit>;
  #child: ChildProcess;
  #output = "";
  #exit: Exit | undefined;
  readonly #waiters = new Set<() => void>();

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.#child = child;
    const collect = (chunk: Buffer): void => {
      this.#output += chunk.toString("utf8");
      for (const waiter of this.#waiters) waiter();
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.#exit = { code, signal };
        running.delete(this);
        resolve(this.#exit);
        for (const waiter of this.#waiters) waiter();
      });
    });
  }

  /**
   * Starts `command` in a new process group. `ignoreSigint` starts it the way a non-interactive
   * shell starts a background job: with SIGINT ignored.
   */
  static start(
    name: string,
    command: string,
    args: readonly string[],
    options: { ignoreSigint?: boolean; env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ): RosProcess {
    const argv = options.ignoreSigint
      ? ["bash", ["-c", `trap '' INT; exec "$@"`, "bash", command, ...args]]
      : [command, [...args]];
    const child = spawn(argv[0] as string, argv[1] as string[], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RCUTILS_COLORIZED_OUTPUT: "0", PYTHONUNBUFFERED: "1", ...options.env },
      cwd: options.cwd ?? REPO_ROOT,
    });
    const started = new RosProcess(name, child);
    running.add(started);
    return started;
  }

  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`${this.name} did not start`);
    return pid;
  }

  get output(): string {
    return this.#output;
  }

  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** The last lines of the output, for assertion messages. */
  tail(lines = 40): string {
    return `--- ${this.name} ---\n${this.#output.split("\n").slice(-lines).join("\n")}`;
  }

  /** Resolves when the output matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = this.#output.match(pattern);
        if (match !== null) return finish(() => resolve(match));
        if (this.#exit !== undefined)
          return finish(() =>
            reject(
              new Error(
                `${this.name} exited (${JSON.stringify(this.#exit)}) before ${pattern}\n${this.tail()}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms\n${this.tail()}`)),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends `signal` to the whole process group, as a terminal's Ctrl-C does with SIGINT. */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  /** Sends `signal` to this process only. */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // gone already
    }
  }

  /** The exit within `timeoutMs`, or undefined when it is still running then. */
  async waitExit(timeoutMs: number): Promise<Exit | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Whether any process of the group is still alive (the leader may have gone before its children). */
  groupAlive(): boolean {
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGKILL to the group; for cleanup. */
  kill(): void {
    this.signalGroup("SIGKILL");
  }
}

/** Kills every process group a test started and left running; for afterEach. */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const started of left) started.kill();
  await Promise.all(left.map((started) => started.waitExit(5000)));
}

/** Runs a command to completion (own process group, killed after `timeoutMs`). */
export async function run(
  command: string,
  args: readonly string[],
  timeoutMs = 60_000,
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number | null; output: string; process: RosProcess }> {
  const started = RosProcess.start(`${command} ${args.join(" ")}`, command, args, options);
  const exit = await started.waitExit(timeoutMs);
  if (exit === undefined) {
    started.kill();
    await started.waitExit(5000);
    throw new Error(`${started.name}: still running after ${timeoutMs} ms\n${started.tail()}`);
  }
  return { code: exit.code, output: started.output, process: started };
}

/** `ros2 ...` to completion; rejects with its output when it fails. */
export async function ros2(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const result = await run("ros2", args, timeoutMs);
  if (result.code !== 0) throw new Error(`ros2 ${args.join(" ")} exited ${result.code}\n${result.output}`);
  return result.output;
}

/** A scratch directory removed at the end of the process. */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vbp-${prefix}-`));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The installed executables and share directory of the colcon build under test. */
export function installed(): { share: string; lib: string } {
  if (WORKSPACE === undefined) throw new Error("no workspace");
  return {
    share: path.join(WORKSPACE, "install", "visualbackprop", "share", "visualbackprop"),
    lib: path.join(WORKSPACE, "install", "visualbackprop", "lib", "visualbackprop"),
  };
}

/** The node's start-up line: model loaded, topics open. */
export const NODE_READY = /model \S+ on \S+; cameras: .*outputs under/;
