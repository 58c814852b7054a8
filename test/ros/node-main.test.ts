import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { loadRclnodejs, missingRclMembers } from "../../src/ros/rclnodejs-adapter";
import { type NodeMainDependencies, runNodeMain } from "../../src/ros/node-main";
import type { ModelLoader } from "../../src/frame/model-port";
import { createFakeRcl, type FakeRcl } from "./fake-rclnodejs";
import { overrides } from "./harness";
import { rgbImage, STUB_IMAGE_OPS, StubEngine, stubLoader, stubModel } from "./stubs";

/** An environment with ROS 2 sourced, as the adapter checks for it before loading rclnodejs. */
const SOURCED = { AMENT_PREFIX_PATH: "/opt/ros/humble" };

function dependencies(
  rcl: FakeRcl,
  loadModel: ModelLoader,
  signals: EventEmitter,
  errors: string[],
): NodeMainDependencies {
  return {
    loadRcl: () => rcl,
    loadModel,
    imageOps: STUB_IMAGE_OPS,
    defaultModelPath: "/share/visualbackprop/models/pilotnet.onnx",
    signals,
    writeError: (line) => errors.push(line),
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++)
    await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), "condition never held");
}

describe("visualbackprop_node process", () => {
  it("inits, spins, and on SIGINT finishes the frame in flight, closes and exits 0", async () => {
    const rcl = createFakeRcl({ overrides: overrides({ image_topics: ["/cam/image_raw"] }) });
    const engine = new StubEngine();
    const signals = new EventEmitter();
    const errors: string[] = [];
    const exit = runNodeMain(dependencies(rcl, stubLoader(stubModel(engine)), signals, errors));
    await until(() => rcl.nodes[0]?.spinning === true);
    const node = rcl.nodes[0];
    // The frame path ran once, for the one camera's batch size, before any frame; nothing went out.
    assert.deepEqual(
      engine.calls.map((call) => call.batch),
      [1],
    );
    assert.ok(
      node.publishers.every(
        (publisher) => publisher.messages.length === 0 || publisher.topic === "/diagnostics",
      ),
    );
    engine.calls.splice(0);
    engine.delayMs = 20;
    assert.equal(rcl.init.callCount, 1);
    assert.equal(
      rcl.removeSignalHandlers.callCount,
      1,
      "rclnodejs's SIGINT handler would cut the frame in flight",
    );

    node.subscription("/cam/image_raw").deliver(rgbImage({ sec: 9 }));
    await until(() => engine.calls.length === 1);
    signals.emit("SIGINT");
    assert.equal(await exit, 0);
    assert.equal(node.publisher("~/cam/saliency").messages.length, 1, "the frame in flight was published");
    assert.ok(node.publishers.every((publisher) => publisher.destroyed));
    assert.equal(engine.released, true);
    assert.equal(rcl.shutdown.callCount, 1);
    assert.deepEqual(errors, []);
  });

  it("exits 0 on SIGTERM too", async () => {
    const rcl = createFakeRcl();
    const signals = new EventEmitter();
    const exit = runNodeMain(dependencies(rcl, stubLoader(stubModel()), signals, []));
    await until(() => rcl.nodes[0]?.spinning === true);
    signals.emit("SIGTERM");
    assert.equal(await exit, 0);
  });

  it("a model that will not load is one fatal line and exit code 1", async () => {
    const rcl = createFakeRcl();
    const failing: ModelLoader = () =>
      Promise.reject(new Error("model '/share/visualbackprop/models/pilotnet.onnx' does not exist"));
    const code = await runNodeMain(dependencies(rcl, failing, new EventEmitter(), []));
    assert.equal(code, 1);
    const fatal = rcl.nodes[0].logger.fatal;
    assert.equal(fatal.callCount, 1);
    assert.match(
      String(fatal.firstCall.args[0]),
      /^visualbackprop_node: cannot load model '.*pilotnet.onnx': .*does not exist$/,
    );
    assert.equal(rcl.shutdown.callCount, 1);
    assert.equal(rcl.nodes[0].spinning, false);
  });

  it("without rclnodejs says how to get it and exits 1", async () => {
    const errors: string[] = [];
    const code = await runNodeMain({
      ...dependencies(createFakeRcl(), stubLoader(stubModel()), new EventEmitter(), errors),
      loadRcl: () =>
        loadRclnodejs(() => {
          throw Object.assign(new Error("Cannot find module 'rclnodejs'"), { code: "MODULE_NOT_FOUND" });
        }, SOURCED),
    });
    assert.equal(code, 1);
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      /rclnodejs is not installed: source ROS 2 \(Humble or Jazzy.*\) and run npm install/,
    );
  });

  it("a failing rcl init (bad --ros-args) exits 1 with the reason", async () => {
    const errors: string[] = [];
    const rcl = createFakeRcl({ initError: new Error("Couldn't parse arguments") });
    const code = await runNodeMain(dependencies(rcl, stubLoader(stubModel()), new EventEmitter(), errors));
    assert.equal(code, 1);
    assert.deepEqual(errors, ["visualbackprop_node: Couldn't parse arguments"]);
  });
});

describe("rclnodejs adapter", () => {
  it("returns a module of the expected shape, unwrapping an ESM default export", () => {
    const rcl = createFakeRcl();
    assert.equal(
      loadRclnodejs(() => rcl, SOURCED),
      rcl,
    );
    assert.equal(
      loadRclnodejs(() => ({ default: rcl }), SOURCED),
      rcl,
    );
    assert.deepEqual(missingRclMembers(rcl), []);
  });

  it("names what a wrong version lacks", () => {
    const { regenerateAll: _dropped, ...partial } = createFakeRcl();
    assert.throws(
      () => loadRclnodejs(() => partial, SOURCED),
      /rclnodejs lacks regenerateAll: this package needs rclnodejs 2.2.0/,
    );
  });

  it("explains a native binding that does not load", () => {
    assert.throws(
      () =>
        loadRclnodejs(() => {
          throw new Error("Native operation failed: Compilation - Failed to build rclnodejs from source");
        }, SOURCED),
      /rclnodejs is installed but does not load \(Native operation failed.*\): source ROS 2/,
    );
  });

  it("refuses to load rclnodejs where ROS 2 is not sourced, which would make it rebuild itself", () => {
    let loaded = false;
    for (const env of [{}, { AMENT_PREFIX_PATH: "" }])
      assert.throws(
        () =>
          loadRclnodejs(() => {
            loaded = true;
            return createFakeRcl();
          }, env),
        /ROS 2 is not sourced \(AMENT_PREFIX_PATH is empty\), so rclnodejs was not loaded: source ROS 2/,
      );
    assert.equal(loaded, false);
  });

  it("loads nothing at import time: requiring the adapter does not require rclnodejs", () => {
    // In a fresh process, so that it holds whether or not rclnodejs is installed and whatever other
    // tests of this run have loaded: after requiring the adapter, no rclnodejs module is loaded.
    const adapter = require.resolve("../../src/ros/rclnodejs-adapter.js");
    const script =
      `require(${JSON.stringify(adapter)});` +
      `process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => /[\\/]rclnodejs[\\/]/.test(f))));`;
    const loaded: unknown = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
    assert.deepEqual(loaded, []);
  });
});
