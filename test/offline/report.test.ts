import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BagRunResult } from "../../src/offline/bag-processor";
import { planCameras } from "../../src/offline/camera-topics";
import { meanAbsoluteDifference, RecordedSteering } from "../../src/offline/recorded-steering";
import { prepareReportDir, ReportCollector, REPORT_MARKER } from "../../src/offline/report";
import { RunStats, seriesStats } from "../../src/offline/run-stats";
import type { BagProblem } from "../../src/bag/problems";
import { lostText, statusLine, summaryLines } from "../../src/offline/summary";
import { lineChart, ticks } from "../../src/offline/svg-chart";
import { ThumbnailSampler } from "../../src/offline/thumbnails";
import { createSerializer } from "../../src/bag/serializer-factory";
import type { BagTopic } from "../../src/bag/rosbag2-types";
import { tempDir, T0 } from "./helpers";

const topic = (name: string, type: string): BagTopic => ({
  name,
  type,
  serializationFormat: "cdr",
  offeredQosProfiles: "",
  messageCount: 10,
});

function fakeResult(status: BagRunResult["status"] = "complete"): BagRunResult {
  const cameras = planCameras([topic("/cameras/front/image_raw", "sensor_msgs/msg/Image")], undefined, "bag");
  const stats = new RunStats(1);
  for (let i = 0; i < 10; i++) {
    const logTimeNs = T0 + BigInt(i) * 100_000_000n;
    stats.seen(logTimeNs);
    stats.processedFrame(0, {
      logTimeNs,
      curvature: 0.01 * Math.sin(i),
      steeringWheelAngle: 0.4 * Math.sin(i),
    });
  }
  stats.skip(0, "truncated");
  stats.addTime("engine", 12);
  const serializer = createSerializer();
  const recorded = RecordedSteering.forTopic(
    serializer,
    [topic("/vehicle/curvature", "std_msgs/msg/Float32")],
    "/vehicle/curvature",
  );
  for (let i = 0; i < 10; i++)
    recorded.add(
      T0 + BigInt(i) * 100_000_000n,
      serializer.encode("std_msgs/msg/Float32", { data: 0.01 * Math.sin(i) + 0.001 }),
    );
  return {
    status,
    interruptedBy: status === "interrupted" ? "SIGINT" : undefined,
    input: "/bags/in",
    output: "/bags/out",
    cameras,
    stats,
    problems: [],
    recorded,
    modelName: "pilotnet",
    provider: "cpu",
    batch: 16,
    threads: 1,
    wallMs: 500,
    outputMessages: 60,
    inputMessages: { read: 21 },
    outputs: ["steering", "saliency", "mask", "overlay"],
    notes: [],
  };
}

describe("offline/report and summary: what a person reads", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  it("says how many input messages were lost only as far as it can be known", () => {
    const cut: BagProblem = {
      file: "/bags/in/in_0.mcap",
      kind: "truncated",
      message: "file ends inside a chunk",
    };
    const counted: BagProblem = { ...cut, kind: "corrupt", skippedMessages: 3, message: "bad chunk" };
    const lost = (problems: BagProblem[], read: number, listed?: number) =>
      lostText({ status: "partial", problems, inputMessages: { read, listed } });
    assert.equal(lost([cut], 14, 30), "16 input messages lost (14 of the 30 metadata.yaml lists were read)");
    assert.equal(lost([cut], 14), "an unknown number of input messages lost");
    assert.equal(lost([cut, counted], 14), "at least 3 input messages lost (the exact number is unknown)");
    assert.equal(lost([counted], 27), "3 input messages lost");
    const text = summaryLines({
      ...fakeResult("partial"),
      problems: [cut],
      inputMessages: { read: 14, listed: 30 },
    });
    assert.ok(
      text.includes("    truncated: in_0.mcap: file ends inside a chunk"),
      "each problem names its file",
    );
    assert.match(text.at(-1) as string, /^partial: .*16 input messages lost \(14 of the 30/);
  });

  it("summarises frames, skips, steering, the recorded comparison, timing and the ending", () => {
    const text = summaryLines(fakeResult("partial")).join("\n");
    assert.match(text, /frames: 10 processed, 1 skipped \(truncated 1\)/);
    assert.match(text, /steering: curvature mean/);
    assert.match(text, /mean \|predicted - recorded\| 0\.0010 1\/m over 10 frames/);
    assert.match(text, /ms\/frame by stage: read 0\.0, decode 0\.0, preprocess 0\.0, engine 1\.1/);
    assert.match(text, /exit code 3/);
    assert.match(
      statusLine(fakeResult("interrupted")),
      /interrupted \(SIGINT\): the output is a valid, finalised bag with the 10 frames/,
    );
  });

  it("writes one self-contained page with thumbnails, an SVG chart and the timing", async () => {
    const collector = new ReportCollector({ dir: path.join(tmp.dir, "report"), frames: true });
    const result = fakeResult();
    const overlay = { width: 32, height: 24, data: new Uint8Array(32 * 24 * 3).fill(200) };
    for (let i = 0; i < 5; i++) {
      await collector.onFrame({
        camera: result.cameras[0],
        index: i,
        logTimeNs: T0 + BigInt(i) * 100_000_000n,
        stampNs: T0 + BigInt(i) * 100_000_000n,
        result: {
          messages: {
            mask: new Uint8Array(),
            overlay: new Uint8Array(),
            steering: new Uint8Array(),
            saliency: new Uint8Array(),
          },
          curvature: 0,
          steeringWheelAngle: 0,
          overlay,
        },
      });
    }
    const file = await collector.write(result);
    const html = fs.readFileSync(file, "utf8");
    assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 5);
    assert.match(html, /<svg[^>]*>[\s\S]*<polyline[\s\S]*stroke-dasharray/);
    assert.match(html, /recorded \/vehicle\/curvature/);
    assert.match(html, /multiple of real time/);
    assert.equal(fs.readdirSync(path.join(tmp.dir, "report", "frames", "front")).length, 5);
  });

  it("refuses a report directory with other files, or inside a bag; replaces its own with force", () => {
    const dir = path.join(tmp.dir, "r");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
    assert.throws(() => prepareReportDir({ dir }), /already exists/);
    assert.throws(() => prepareReportDir({ dir, force: true }), /not an earlier report \(notes\.txt\)/);
    assert.throws(
      () => prepareReportDir({ dir: path.join(tmp.dir, "bag", "r"), protect: [path.join(tmp.dir, "bag")] }),
      /overlaps the bag/,
    );
    fs.rmSync(path.join(dir, "notes.txt"));
    fs.writeFileSync(path.join(dir, "index.html"), "someone else's page");
    assert.throws(() => prepareReportDir({ dir, force: true }), /not written by visualbackprop/);
    assert.equal(fs.readFileSync(path.join(dir, "index.html"), "utf8"), "someone else's page");
    fs.rmSync(path.join(dir, "index.html"));
    prepareReportDir({ dir });
    fs.writeFileSync(path.join(dir, "index.html"), "old");
    prepareReportDir({ dir, force: true });
    assert.deepEqual(fs.readdirSync(dir), [REPORT_MARKER]);
  });

  it("keeps a bounded, evenly spread thumbnail strip however long the run", async () => {
    const sampler = new ThumbnailSampler(4, 8);
    const frame = { width: 16, height: 12, data: new Uint8Array(16 * 12 * 3) };
    for (let i = 0; i < 100; i++) sampler.offer(i, BigInt(i), frame);
    const thumbs = await sampler.thumbnails();
    assert.equal(thumbs.length, 4);
    assert.equal(thumbs[0].index, 0);
    assert.ok(thumbs[3].index >= 64, String(thumbs.map((t) => t.index)));
  });

  it("compares with the recorded value nearest in time, and reads stats and ticks", () => {
    const predicted = [0, 1, 2].map((i) => ({ logTimeNs: BigInt(i) * 100n, value: i }));
    const recorded = [0, 1, 2].map((i) => ({ logTimeNs: BigInt(i) * 100n + 10n, value: i + 0.5 }));
    assert.deepEqual(meanAbsoluteDifference(predicted, recorded, 50n), { mae: 0.5, pairs: 3 });
    assert.equal(meanAbsoluteDifference(predicted, recorded, 5n), undefined);
    assert.deepEqual(seriesStats([1, 3, Number.NaN]), { count: 2, mean: 2, std: 1, min: 1, max: 3 });
    assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.match(
      lineChart(
        [
          {
            label: "a<b",
            color: "red",
            points: [
              [0, 1],
              [1, Number.NaN],
              [2, 3],
            ],
          },
        ],
        { xLabel: "x", yLabel: "y" },
      ),
      /a&#60;b/,
    );
  });

  it("refuses a recorded steering topic without a usable field", () => {
    const serializer = createSerializer();
    assert.throws(
      () => RecordedSteering.forTopic(serializer, [topic("/img", "sensor_msgs/msg/Image")], "/img"),
      /has no float field data, curvature or steering_wheel_angle/,
    );
    const steering = RecordedSteering.forTopic(
      serializer,
      [topic("/s", "visualbackprop/msg/SteeringCommand")],
      "/s",
    );
    assert.equal(steering.quantity, "curvature");
  });
});
