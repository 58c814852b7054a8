import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { MessageRegistry } from "../../src/bag/msg-registry";
import { RosSerializer } from "../../src/bag/ros-serializer";
import type { BagMessage, BagTopic } from "../../src/bag/rosbag2-types";
import type { SaliencyComparisonMsg } from "../../src/bag/ros-types";
import { loadModel } from "../../src/frame/model-loader";
import type { LoadedModel } from "../../src/frame/model-port";
import { summaryLines } from "../../src/offline/summary";
import { ReportCollector } from "../../src/offline/report";
import { comparisonParagraph, correlation } from "../../src/offline/comparison-report";
import { largest, type ComparisonRun } from "../../src/offline/comparison-stats";
import {
  CAMERA,
  processTestBag,
  readBag,
  tempDir,
  testMessages,
  testModel,
  testModelPath,
  writeMcapBag,
} from "./helpers";

const CAM = `/visualbackprop/${CAMERA.split("/")[2]}`;

const run = processTestBag;

/** Decodes with nothing but the output bag's own schemas: proves they are complete. */
function schemaOnly(topics: readonly BagTopic[]): RosSerializer {
  const registry = new MessageRegistry();
  for (const t of topics.filter((t) => t.name.startsWith("/visualbackprop/")))
    registry.addRos2MsgSchema(t.type, t.definition?.text ?? "");
  return new RosSerializer(registry);
}

function onTopic(messages: readonly BagMessage[], topic: string): BagMessage[] {
  return messages.filter((m) => m.topic === topic);
}

const bytes = (messages: readonly BagMessage[]): string[] =>
  messages.map((m) => Buffer.from(m.data).toString("base64"));

describe("offline/bag-processor --compare: two models on the same recording", function () {
  let tmp: ReturnType<typeof tempDir>;
  let input: string;
  /** The test model under another name with another crop: the compared model's own spec. */
  let cropped: LoadedModel;

  before(async () => {
    tmp = tempDir();
    input = path.join(tmp.dir, "in");
    await writeMcapBag(input, await testMessages({ frames: 6 }));
    const file = path.join(tmp.dir, "cropped.onnx");
    fs.copyFileSync(testModelPath(), file);
    const base = await testModel();
    fs.writeFileSync(
      path.join(tmp.dir, "cropped.json"),
      JSON.stringify({
        name: "cropped",
        input: "input",
        output: base.outputName,
        preprocess: { ...base.preprocess, crop: { x: 0.25, y: 0.5, width: 0.75, height: 0.5 } },
      }),
    );
    cropped = await loadModel({ modelPath: file, provider: "cpu", intraOpThreads: 1 });
  });
  after(async () => {
    await cropped?.engine.release();
    tmp.remove();
  });

  for (const threads of [0, 2])
    it(`a model compared with itself (${threads} workers): same outputs twice, difference 0, IoU 1`, async () => {
      const output = path.join(tmp.dir, `self-${threads}`);
      const result = await run({ input, output, compare: await testModel(), threads });
      const { bag, messages } = await readBag(output);
      const names = bag.topics.map((t) => t.name).filter((n) => n.startsWith(`${CAM}/compare/`));
      assert.deepEqual(names.sort(), [
        `${CAM}/compare/comparison`,
        `${CAM}/compare/diff`,
        `${CAM}/compare/mask`,
        `${CAM}/compare/overlay`,
        `${CAM}/compare/saliency`,
        `${CAM}/compare/steering`,
      ]);
      for (const kind of ["steering", "mask", "overlay"])
        assert.deepEqual(
          bytes(onTopic(messages, `${CAM}/compare/${kind}`)),
          bytes(onTopic(messages, `${CAM}/${kind}`)),
          kind,
        );
      const serializer = schemaOnly(bag.topics);
      const comparisons = onTopic(messages, `${CAM}/compare/comparison`).map((m) =>
        serializer.decode<SaliencyComparisonMsg>("visualbackprop/msg/SaliencyComparison", m.data),
      );
      assert.equal(comparisons.length, 6);
      for (const c of comparisons) {
        assert.equal(c.mask_difference, 0);
        assert.equal(c.top_iou, 1);
        assert.equal(c.curvature_difference, 0);
        assert.equal(c.model_name, "pilotnet");
        assert.ok(Math.abs(c.top_fraction - 0.05) < 1e-7);
      }
      assert.equal(result.comparison?.sharedInput, true);
      assert.equal(result.comparison?.cameras[0].length, 6);
      const lines = summaryLines(result).join("\n");
      assert.match(lines, /comparison: pilotnet vs pilotnet \(cpu, one input for both\) on 6 frames/);
      assert.match(
        lines,
        /masks: mean absolute difference 0\.0000 \(max 0\.0000\), IoU of the top 5 % mean 1\.000/,
      );
    });

  it("a model with its own spec: its outputs are what it writes alone, and they differ from the main model's", async () => {
    const output = path.join(tmp.dir, "cropped-compare");
    const result = await run({ input, output, compare: cropped, threads: 1 });
    await run({ input, output: path.join(tmp.dir, "cropped-alone"), model: cropped, threads: 0 });
    const compared = (await readBag(output)).messages;
    const alone = (await readBag(path.join(tmp.dir, "cropped-alone"))).messages;
    for (const kind of ["steering", "mask", "overlay"])
      assert.deepEqual(
        bytes(onTopic(compared, `${CAM}/compare/${kind}`)),
        bytes(onTopic(alone, `${CAM}/${kind}`)),
        kind,
      );
    assert.equal(result.comparison?.sharedInput, false);
    for (const sample of result.comparison?.cameras[0] ?? []) {
      assert.ok(sample.maskDifference > 0.01, `mask difference ${sample.maskDifference}`);
      assert.ok(sample.topIou < 1, `IoU ${sample.topIou}`);
      assert.notEqual(sample.compareCurvature, sample.curvature);
    }
  });

  it("writes only the kinds asked for: no images, no difference image; the comparison always", async () => {
    const output = path.join(tmp.dir, "steering-only");
    await run({ input, output, compare: cropped, outputs: ["steering"], threads: 0 });
    const { bag } = await readBag(output);
    assert.deepEqual(
      bag.topics
        .map((t) => t.name)
        .filter((n) => n.startsWith("/visualbackprop/"))
        .sort(),
      [`${CAM}/compare/comparison`, `${CAM}/compare/steering`, `${CAM}/steering`],
    );
  });

  it("does not take a comparison's own image topics for cameras when a processed bag is processed again", async () => {
    const first = path.join(tmp.dir, "twice-1");
    await run({ input, output: first, compare: cropped, threads: 0 });
    const second = await run({ input: first, output: path.join(tmp.dir, "twice-2"), threads: 0 });
    assert.deepEqual(
      second.cameras.map((c) => c.topic),
      [CAMERA],
    );
  });

  it("the report: both steerings, disagreement over time, the top frames with three pictures each, a paragraph", async () => {
    const report = new ReportCollector({ dir: path.join(tmp.dir, "report") });
    const result = await run({
      input,
      output: path.join(tmp.dir, "reported"),
      compare: cropped,
      threads: 1,
      steeringTopic: "/vehicle/steering",
      onFrame: report.onFrame,
    });
    const html = fs.readFileSync(await report.write(result), "utf8");
    assert.match(html, /<h1>VisualBackProp on in: pilotnet compared with cropped<\/h1>/);
    assert.match(html, /<h2>Comparison: pilotnet and cropped<\/h2>/);
    assert.match(
      html,
      /Over 6 frames, cropped steers on average [0-9.]+ 1\/m more to the (left|right) than pilotnet/,
    );
    for (const heading of [
      "Steering of both over time",
      "Disagreement over time",
      "Where they steer most differently",
      "Where they look most differently",
    ])
      assert.ok(html.includes(`<h3>${heading}</h3>`), heading);
    // Both models and the recorded steering in the first chart; 6 frames kept of each kind, 3 pictures each.
    assert.match(html, /recorded \/vehicle\/steering/);
    assert.equal((html.match(/<div class="cmp">/g) ?? []).length, 12);
    assert.equal((html.match(/alt="difference"/g) ?? []).length, 12);
  });

  describe("the comparison's figures", () => {
    const sample = (i: number, curvature: number, compareCurvature: number, maskDifference: number) => ({
      logTimeNs: BigInt(i) * 1_000_000_000n,
      index: i,
      curvature,
      compareCurvature,
      steeringWheelAngle: 0,
      compareSteeringWheelAngle: 0,
      maskDifference,
      topIou: 1 - maskDifference,
    });
    const run: ComparisonRun = {
      modelName: "b",
      provider: "cpu",
      sharedInput: true,
      cameras: [
        [
          sample(0, 0, 0.001, 0.01),
          sample(1, 0, 0.01, 0.2),
          sample(2, 0, 0.002, 0.02),
          sample(3, 0, 0.004, 0.05),
        ],
      ],
    };
    it("the largest first, ties to the earlier frame, non-finite left out", () => {
      assert.deepEqual(
        largest([3, NaN, 5, 5, 1], (x) => x, 3),
        [5, 5, 3],
      );
      assert.deepEqual(
        largest(run.cameras[0], (s) => s.maskDifference, 2).map((s) => s.index),
        [1, 3],
      );
    });
    it("correlation: +1, -1, and NaN for a constant series", () => {
      assert.ok(Math.abs(correlation([1, 2, 3, 4], [2, 4, 6, 8]) - 1) < 1e-12);
      assert.ok(Math.abs(correlation([1, 2, 3, 4], [8, 6, 4, 2]) + 1) < 1e-12);
      assert.ok(Number.isNaN(correlation([1, 1, 1], [1, 2, 3])));
    });
    it("the paragraph says which way, how much, where, and whether steering and look go together", () => {
      const text = comparisonParagraph("a", run, ["front"], 0n);
      assert.match(text, /^Over 4 frames, b steers on average 0\.00425 1\/m more to the left than a /);
      assert.match(
        text,
        /largest 0\.01000 1\/m\); they disagree most in steering at 1\.0 s, 3\.0 s, 2\.0 s\./,
      );
      assert.match(text, /they look most differently at 1\.0 s, 3\.0 s, 2\.0 s\./);
      assert.match(
        text,
        /Steering and look disagreement go together \(correlation 0\.99\): where the models steer differently they also look/,
      );
      assert.equal(
        comparisonParagraph("a", { ...run, cameras: [[]] }, ["front"], 0n),
        "No frame was compared between a and b.",
      );
    });
  });
});
