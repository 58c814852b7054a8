import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { planDdsReceiveBuffer, RECEIVE_BUFFER_BYTES } from "../../src/ros/dds-receive-buffer";
import { runNodeMain } from "../../src/ros/node-main";
import { createFakeRcl } from "./fake-rclnodejs";
import { overrides } from "./harness";
import { STUB_IMAGE_OPS, StubEngine, stubLoader, stubModel } from "./stubs";

const CYCLONE = { RMW_IMPLEMENTATION: "rmw_cyclonedds_cpp" };
const FRAGMENT = `<CycloneDDS><Domain><Internal><SocketReceiveBufferSize max="${RECEIVE_BUFFER_BYTES}B"/></Internal></Domain></CycloneDDS>`;
const noFiles = (): undefined => undefined;

describe("DDS receive buffer for camera images", () => {
  const cases: {
    name: string;
    env: Record<string, string>;
    rmemMax?: number;
    files?: Record<string, string>;
    uri?: string;
    info?: RegExp;
    warning?: RegExp;
  }[] = [
    {
      name: "Cyclone without a configuration: the fragment alone",
      env: CYCLONE,
      rmemMax: 4194304,
      uri: FRAGMENT,
      info: /receive buffer of 4 MiB/,
    },
    {
      name: "Cyclone with the user's file: the fragment after it, so the file decides the rest",
      env: { ...CYCLONE, CYCLONEDDS_URI: "file:///etc/cyclone.xml" },
      rmemMax: 16 * 1024 * 1024,
      files: { "/etc/cyclone.xml": "<CycloneDDS><Domain><General/></Domain></CycloneDDS>" },
      uri: `file:///etc/cyclone.xml,${FRAGMENT}`,
      info: /receive buffer of 8 MiB/,
    },
    {
      name: "a buffer the user's file sets is kept",
      env: { ...CYCLONE, CYCLONEDDS_URI: "file:///etc/cyclone.xml" },
      rmemMax: 4194304,
      files: { "/etc/cyclone.xml": '<Internal><SocketReceiveBufferSize min="10MB"/></Internal>' },
      info: /keeping the socket receive buffer/,
    },
    {
      name: "a buffer set inline is kept",
      env: { ...CYCLONE, CYCLONEDDS_URI: '<Internal><SocketReceiveBufferSize min="2MB"/></Internal>' },
      rmemMax: 4194304,
      info: /keeping/,
    },
    {
      name: "a low kernel cap: the fragment, and a warning that says how to raise it",
      env: CYCLONE,
      rmemMax: 212992,
      uri: FRAGMENT,
      info: /receive buffer of 0\.2 MiB/,
      warning: /net\.core\.rmem_max is 212992 bytes.*sudo sysctl -w net\.core\.rmem_max=8388608/,
    },
    { name: "switched off", env: { ...CYCLONE, VISUALBACKPROP_DDS_RECEIVE_BUFFER: "off" }, rmemMax: 212992 },
    {
      name: "Fast DDS: left to its own profile",
      env: { RMW_IMPLEMENTATION: "rmw_fastrtps_cpp" },
      rmemMax: 212992,
    },
    { name: "no RMW named: Humble's default, Fast DDS", env: {}, rmemMax: 212992 },
  ];
  for (const entry of cases) {
    it(entry.name, () => {
      const plan = planDdsReceiveBuffer(entry.env, entry.rmemMax, (file) => entry.files?.[file]);
      assert.equal(plan.cycloneddsUri, entry.uri);
      if (entry.info === undefined) assert.equal(plan.info, undefined);
      else assert.match(plan.info ?? "", entry.info);
      if (entry.warning === undefined) assert.equal(plan.warning, undefined);
      else assert.match(plan.warning ?? "", entry.warning);
    });
  }

  it("does not touch the environment object it is given", () => {
    const env = { ...CYCLONE, CYCLONEDDS_URI: "file:///x.xml" };
    const before = JSON.stringify(env);
    planDdsReceiveBuffer(env, 4194304, noFiles);
    assert.equal(JSON.stringify(env), before);
  });

  it("the node prepares DDS before rcl init and logs what it did once its logger exists", async () => {
    const rcl = createFakeRcl({ overrides: overrides({ image_topics: ["/cam/image_raw"] }) });
    let initCallsWhenPrepared = -1;
    const signals = new EventEmitter();
    const exit = runNodeMain({
      loadRcl: () => rcl,
      prepareDds: () => {
        initCallsWhenPrepared = rcl.init.callCount;
        return { info: "dds info line", warning: "dds warning line" };
      },
      loadModel: stubLoader(stubModel(new StubEngine())),
      imageOps: STUB_IMAGE_OPS,
      defaultModelPath: "/m.onnx",
      signals,
      writeError: () => undefined,
    });
    for (let turn = 0; turn < 1000 && rcl.nodes[0]?.spinning !== true; turn++)
      await new Promise((resolve) => setImmediate(resolve));
    signals.emit("SIGINT");
    assert.equal(await exit, 0);
    assert.equal(initCallsWhenPrepared, 0, "DDS reads its configuration when rcl starts it");
    assert.equal(rcl.init.callCount, 1);
    const logger = rcl.nodes[0].logger;
    assert.ok(logger.info.calledWith("dds info line"));
    assert.ok(logger.warn.calledWith("dds warning line"));
  });
});
