import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createSerializer } from "../../src/bag/serializer-factory";
import {
  FOXGLOVE_LAYOUT_FILE,
  type FoxgloveLayout,
  foxgloveLayout,
  type LayoutNode,
} from "../../src/view/foxglove-layout";
import { cameraViews } from "../../src/view/view-topics";
import {
  CAMERA,
  readBag,
  STEERING,
  tempDir,
  testMessages,
  testModelPath,
  writeMcapBag,
} from "../offline/helpers";
import { runCli } from "../support/cli";
import { REPO_ROOT } from "../support/paths";

function panelIds(node: LayoutNode): string[] {
  return typeof node === "string" ? [node] : [...panelIds(node.first), ...panelIds(node.second)];
}

/** Every panel of the layout tree is configured and every configured panel is placed. */
function assertWellFormed(layout: FoxgloveLayout): void {
  assert.deepEqual(panelIds(layout.layout).sort(), Object.keys(layout.configById).sort());
  for (const id of Object.keys(layout.configById)) assert.match(id, /^(Image|Plot)![A-Za-z0-9_]+$/);
}

function imageTopics(layout: FoxgloveLayout): string[] {
  return Object.entries(layout.configById)
    .filter(([id]) => id.startsWith("Image!"))
    .map(([, config]) => (config.imageMode as { imageTopic: string }).imageTopic);
}

function plotPaths(layout: FoxgloveLayout): string[] {
  return (layout.configById["Plot!steering"].paths as { value: string }[]).map((p) => p.value);
}

describe("Foxglove layout", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  it("puts each camera's image, overlay and mask in a row above the steering plot", () => {
    const views = cameraViews({
      topics: ["/cameras/front/image_raw", "/cameras/rear/image_raw", "/side/image_raw"],
    });
    const layout = foxgloveLayout(views, { recorded: { topic: "/vehicle/curvature", field: "data" } });
    assertWellFormed(layout);
    assert.deepEqual(imageTopics(layout), [
      "/cameras/front/image_raw",
      "/visualbackprop/front/overlay",
      "/visualbackprop/front/mask",
      "/cameras/rear/image_raw",
      "/visualbackprop/rear/overlay",
      "/visualbackprop/rear/mask",
      "/side/image_raw",
      "/visualbackprop/side/overlay",
      "/visualbackprop/side/mask",
    ]);
    assert.deepEqual(plotPaths(layout), [
      "/visualbackprop/front/steering.curvature",
      "/visualbackprop/rear/steering.curvature",
      "/visualbackprop/side/steering.curvature",
      "/vehicle/curvature.data",
    ]);
    const root = layout.layout as Exclude<LayoutNode, string>;
    assert.equal(root.second, "Plot!steering");
    const firstRow = (root.first as Exclude<LayoutNode, string>).first;
    assert.deepEqual(panelIds(firstRow), ["Image!front_image", "Image!front_overlay", "Image!front_mask"]);
  });

  it("with a comparison: the compared model's overlay and the diff beside the main overlay, its steering in the plot", () => {
    const layout = foxgloveLayout([
      {
        name: "front",
        camera: "/cameras/front/image_raw",
        mask: "/visualbackprop/front/mask",
        overlay: "/visualbackprop/front/overlay",
        steering: "/visualbackprop/front/steering",
        compare: {
          overlay: "/visualbackprop/front/compare/overlay",
          diff: "/visualbackprop/front/compare/diff",
          steering: "/visualbackprop/front/compare/steering",
        },
      },
    ]);
    assertWellFormed(layout);
    assert.deepEqual(imageTopics(layout), [
      "/cameras/front/image_raw",
      "/visualbackprop/front/overlay",
      "/visualbackprop/front/compare/overlay",
      "/visualbackprop/front/compare/diff",
    ]);
    assert.deepEqual(plotPaths(layout), [
      "/visualbackprop/front/steering.curvature",
      "/visualbackprop/front/compare/steering.curvature",
    ]);
  });

  it("config/foxglove-layout.json is the generated layout for the default camera", () => {
    const shipped = fs.readFileSync(path.join(REPO_ROOT, "config", "foxglove-layout.json"), "utf8");
    const out = path.join(tmp.dir, "layout.json");
    const run = runCli(["foxglove-layout", "--steering-topic", "/camera/curvature", "-o", out]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      shipped,
      fs.readFileSync(out, "utf8"),
      "regenerate it: ./bin/visualbackprop foxglove-layout --steering-topic /camera/curvature -o config/foxglove-layout.json",
    );
    const layout = JSON.parse(shipped) as FoxgloveLayout;
    assertWellFormed(layout);
    assert.deepEqual(imageTopics(layout), [
      "/camera/image_raw",
      "/visualbackprop/camera/overlay",
      "/visualbackprop/camera/mask",
    ]);
  });

  it("visualbackprop bag writes a layout whose every topic and field is in the output bag; --force replaces it", async function () {
    this.timeout(60000);
    const input = path.join(tmp.dir, "in");
    const rear = "/cameras/rear/image_raw/compressed";
    await writeMcapBag(input, await testMessages({ frames: 3, cameras: [CAMERA, rear] }));
    const out = path.join(tmp.dir, "out");
    const args = [
      input,
      "-o",
      out,
      "--model",
      testModelPath(),
      "--provider",
      "cpu",
      "--steering-topic",
      STEERING,
    ];
    const run = runCli(["bag", ...args]);
    assert.equal(run.status, 0, run.stderr);
    const file = path.join(out, FOXGLOVE_LAYOUT_FILE);
    assert.match(run.stdout, new RegExp(`foxglove layout: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    const layout = JSON.parse(fs.readFileSync(file, "utf8")) as FoxgloveLayout;
    assertWellFormed(layout);

    const { bag } = await readBag(out);
    const types = new Map(bag.topics.map((t) => [t.name, t.type]));
    assert.deepEqual(imageTopics(layout), [
      CAMERA,
      "/visualbackprop/front/overlay",
      "/visualbackprop/front/mask",
      rear,
      "/visualbackprop/rear/overlay",
      "/visualbackprop/rear/mask",
    ]);
    for (const topic of imageTopics(layout))
      assert.match(types.get(topic) ?? "missing", /^sensor_msgs\/msg\/(Compressed)?Image$/, topic);
    // Each plotted path names a topic of the bag and a numeric field of its type.
    const registry = createSerializer(bag).registry;
    assert.deepEqual(plotPaths(layout), [
      "/visualbackprop/front/steering.curvature",
      "/visualbackprop/rear/steering.curvature",
      `${STEERING}.data`,
    ]);
    for (const value of plotPaths(layout)) {
      const dot = value.lastIndexOf(".");
      const [topic, field] = [value.slice(0, dot), value.slice(dot + 1)];
      const type = types.get(topic);
      assert.ok(type !== undefined, `${topic} is not in the bag`);
      const definition = registry.get(type).fields.find((f) => f.name === field);
      assert.ok(definition !== undefined && /^float(32|64)$/.test(definition.type), `${value}: ${type}`);
    }

    const again = runCli(["bag", ...args, "--force"]);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(fs.existsSync(file));
  });
});
