import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { MessageRegistry } from "../../src/bag/msg-registry";
import type { BagMessage, BagTopic } from "../../src/bag/rosbag2-types";
import { RosSerializer } from "../../src/bag/ros-serializer";
import { stampToNs, type ImageMsg, type SaliencyMsg, type SteeringCommandMsg } from "../../src/bag/ros-types";
import { createSerializer } from "../../src/bag/serializer-factory";
import { openBag } from "../../src/bag/rosbag2-open";
import { processBag, type ProcessBagOptions } from "../../src/offline/bag-processor";
import type { SaliencyEngine } from "../../src/frame/model-port";
import { maskToMono8, renderOverlay } from "../../src/image/overlay";
import { mapMaskToFrame, preprocess } from "../../src/image/preprocess";
import {
  CAMERA,
  CUSTOM,
  CUSTOM_TYPE,
  processTestBag,
  readBag,
  STEERING,
  tempDir,
  testMessages,
  testModel,
  writeMcapBag,
  writeSqliteBag,
  type TestBag,
} from "./helpers";

const OUTPUTS = ["mask", "overlay", "steering", "saliency"] as const;

const run = processTestBag;

/** A serializer that knows only what the output bag's own schemas say: proves they are complete. */
function schemaOnlySerializer(topics: readonly BagTopic[]): RosSerializer {
  const registry = new MessageRegistry();
  for (const t of topics) {
    assert.equal(t.definition?.encoding, "ros2msg", `schema encoding of ${t.name}`);
    registry.addRos2MsgSchema(t.type, t.definition?.text ?? "");
  }
  return new RosSerializer(registry);
}

/** Checks an output bag against its input; returns the processed-frame count per camera topic. */
async function checkOutput(input: TestBag, outputDir: string, cameras: readonly string[]): Promise<void> {
  const { bag, messages } = await readBag(outputDir);
  const decoder = schemaOnlySerializer(bag.topics.filter((t) => t.type !== CUSTOM_TYPE || t.definition));
  const byTopic = new Map<string, BagMessage[]>();
  for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
  // Every input message is copied: same topic, log time and bytes, in order.
  const copied = messages.filter((m) => !m.topic.startsWith("/visualbackprop/"));
  assert.equal(copied.length, input.messages.length, "copied message count");
  copied.forEach((m, i) => {
    assert.equal(m.topic, input.messages[i].topic);
    assert.equal(m.logTimeNs, input.messages[i].logTimeNs);
    assert.ok(Buffer.from(m.data).equals(Buffer.from(input.messages[i].data)), `bytes of message ${i}`);
  });
  for (const t of input.topics) {
    const out = bag.topics.find((o) => o.name === t.name);
    assert.equal(out?.type, t.type);
    assert.equal(out?.offeredQosProfiles, t.qos, `QoS of ${t.name}`);
  }
  const custom = bag.topics.find((t) => t.name === CUSTOM);
  assert.equal(custom?.definition?.text.includes("float64[] values"), true);
  for (const topic of cameras) {
    const cameraMessages = byTopic.get(topic) ?? [];
    const cameraName = topic.endsWith("/compressed") ? topic.split("/").at(-3) : topic.split("/").at(-2);
    const prefix = `/visualbackprop/${cameraName}`;
    const type = bag.topics.find((t) => t.name === topic)?.type ?? "";
    for (const kind of OUTPUTS) {
      const outs = byTopic.get(`${prefix}/${kind}`) ?? [];
      assert.equal(outs.length, cameraMessages.length, `${prefix}/${kind} count`);
      outs.forEach((m, i) => {
        const camera = decoder.decode<{ header: ImageMsg["header"] }>(type, cameraMessages[i].data);
        assert.equal(m.logTimeNs, cameraMessages[i].logTimeNs, `log time of ${prefix}/${kind} ${i}`);
        const outType = bag.topics.find((t) => t.name === m.topic)?.type ?? "";
        const decoded = decoder.decode<{ header: ImageMsg["header"] }>(outType, m.data);
        assert.deepEqual(decoded.header, camera.header, `header of ${prefix}/${kind} ${i}`);
        if (kind === "mask") {
          const image = decoded as unknown as ImageMsg;
          assert.equal(image.encoding, "mono8");
          assert.equal(image.data.length, image.width * image.height);
        } else if (kind === "overlay") {
          assert.equal((decoded as unknown as ImageMsg).encoding, "rgb8");
        } else if (kind === "steering") {
          const steering = decoded as unknown as SteeringCommandMsg;
          assert.ok(Number.isFinite(steering.curvature) && steering.model_name.length > 0);
        } else {
          const saliency = decoded as unknown as SaliencyMsg;
          assert.equal(saliency.mask.length, saliency.width * saliency.height);
          assert.ok(saliency.mask.every((v) => v >= 0 && v <= 1));
        }
      });
    }
  }
}

describe("offline/bag-processor: bags in, bags with VisualBackProp out", function () {
  this.timeout(30000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  const threadsOf = { "mcap zstd": 0, "mcap lz4": 2, "mcap uncompressed": 1, sqlite3: 1 } as const;
  for (const layout of ["mcap zstd", "mcap lz4", "mcap uncompressed", "sqlite3"] as const) {
    const threads = threadsOf[layout];
    it(`round-trips a ${layout} bag (${threads} workers): copies, counts, stamps, log times, schemas`, async () => {
      const input = await testMessages({ frames: 7 });
      const inputDir = path.join(tmp.dir, "in");
      if (layout === "sqlite3") writeSqliteBag(inputDir, input);
      else
        await writeMcapBag(inputDir, input, {
          compression: layout === "mcap zstd" ? "zstd" : layout === "mcap lz4" ? "lz4" : "none",
          chunkSize: 20000,
        });
      const before = fs.readdirSync(inputDir).map((f) => fs.readFileSync(path.join(inputDir, f)));
      const result = await run({
        input: inputDir,
        output: path.join(tmp.dir, "out"),
        steeringTopic: STEERING,
        threads,
      });
      assert.equal(result.threads, threads);
      assert.equal(result.status, "complete");
      assert.equal(result.stats.processed, 7);
      assert.equal(result.stats.skipped, 0);
      assert.equal(result.outputMessages, input.messages.length + 4 * 7);
      assert.equal(result.recorded?.samples.length, 7);
      if (layout === "sqlite3") {
        // Humble's sqlite3 has no definitions: the custom type's schema cannot be known.
        assert.match(result.notes.join("\n"), /acme_msgs\/msg\/Status.*empty schema/);
        const { messages } = await readBag(path.join(tmp.dir, "out"));
        assert.equal(messages.length, result.outputMessages);
      } else {
        await checkOutput(input, path.join(tmp.dir, "out"), [CAMERA]);
      }
      const after = fs.readdirSync(inputDir).map((f) => fs.readFileSync(path.join(inputDir, f)));
      assert.deepEqual(after, before, "the input is not modified");
    });
  }

  it("handles several cameras, CompressedImage among them, batched together", async () => {
    const cameras = ["/cameras/left/image_raw", "/cameras/right/image_raw/compressed"];
    const input = await testMessages({ frames: 5, cameras });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    const result = await run({ input: inputDir, output: path.join(tmp.dir, "out"), batch: 3 });
    assert.deepEqual(
      result.cameras.map((c) => [c.name, c.compressed]),
      [
        ["left", false],
        ["right", true],
      ],
    );
    assert.equal(result.stats.processed, 10);
    await checkOutput(input, path.join(tmp.dir, "out"), cameras);
  });

  it("writes what the node would for the frame (steering, mask, overlay), and only for --topics", async () => {
    const cameras = ["/cameras/left/image_raw", "/cameras/right/image_raw"];
    const input = await testMessages({ frames: 3, cameras });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    const result = await run({
      input: inputDir,
      output: path.join(tmp.dir, "out"),
      topics: [cameras[1]],
      batch: 1,
    });
    assert.deepEqual(
      result.cameras.map((c) => c.name),
      ["right"],
    );
    const { messages, bag } = await readBag(path.join(tmp.dir, "out"));
    assert.ok(!bag.topics.some((t) => t.name.startsWith("/visualbackprop/left/")));
    const serializer = createSerializer(bag);
    const model = await testModel();
    const camera = serializer.decode<ImageMsg>(
      "sensor_msgs/msg/Image",
      messages.find((m) => m.topic === cameras[1])!.data,
    );
    const tensor = preprocess(
      { width: camera.width, height: camera.height, data: camera.data },
      model.preprocess,
    );
    const engineResult = await model.engine.run(tensor, 1);
    const expected = engineResult.outputs[model.outputName].data[0];
    const steering = serializer.decode<SteeringCommandMsg>(
      "visualbackprop/msg/SteeringCommand",
      messages.find((m) => m.topic === "/visualbackprop/right/steering")!.data,
    );
    assert.ok(Math.abs(steering.curvature - expected) < 1e-5, `${steering.curvature} vs ${expected}`);
    assert.equal(stampToNs(steering.header.stamp), stampToNs(camera.header.stamp));
    // Mask and overlay are byte for byte what the node's image functions make of the engine's mask.
    const frame = { width: camera.width, height: camera.height, data: camera.data };
    const frameMask = mapMaskToFrame(
      { width: engineResult.width, height: engineResult.height, data: engineResult.masks },
      model.preprocess,
      camera.width,
      camera.height,
    );
    const decodeImage = (topic: string): ImageMsg =>
      serializer.decode<ImageMsg>("sensor_msgs/msg/Image", messages.find((m) => m.topic === topic)!.data);
    assert.deepEqual(decodeImage("/visualbackprop/right/mask").data, maskToMono8(frameMask));
    assert.deepEqual(
      decodeImage("/visualbackprop/right/overlay").data,
      renderOverlay(frame, frameMask, { colorMap: "jet", opacity: 0.5 }).data,
    );
  });

  it("writes the same steering, masks and overlays whichever thread (worker or main) took a frame", async () => {
    // With worker threads the main thread takes a share of the frames too.
    const input = await testMessages({ frames: 7 });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    const outputsOf = async (name: string, threads: number) => {
      await run({ input: inputDir, output: path.join(tmp.dir, name), threads });
      const { messages } = await readBag(path.join(tmp.dir, name));
      return messages
        .filter((m) => /^\/visualbackprop\/.*\/(steering|mask|overlay)$/.test(m.topic))
        .map((m) => `${m.topic} ${Buffer.from(m.data).toString("base64")}`);
    };
    const inline = await outputsOf("inline", 0);
    assert.equal(inline.length, 7 * 3);
    assert.deepEqual(await outputsOf("pooled", 1), inline);
  });

  it("times the output's chunk compression as its own stage, in the writer thread or not", async () => {
    const input = await testMessages({ frames: 4 });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    for (const [k, [compression, writerThread]] of (
      [
        ["zstd", true],
        ["lz4", false],
        ["none", true],
      ] as const
    ).entries()) {
      const result = await run({
        input: inputDir,
        output: path.join(tmp.dir, `out${k}`),
        compression,
        writerThread,
      });
      const compressMs = result.stats.stageMs.get("compress") ?? -1;
      if (compression === "none") assert.equal(compressMs, 0, "nothing compressed");
      else assert.ok(compressMs > 0, `${compression}: compress stage ${compressMs} ms`);
    }
  });

  it("writes each frame's steering and saliency before its images, and only the outputs asked for", async () => {
    const input = await testMessages({ frames: 4 });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    const all = await run({ input: inputDir, output: path.join(tmp.dir, "all"), threads: 1 });
    const { messages, bag } = await readBag(path.join(tmp.dir, "all"));
    const kinds = messages
      .filter((m) => m.topic.startsWith("/visualbackprop/"))
      .map((m) => m.topic.split("/").pop());
    assert.deepEqual(kinds, Array(4).fill(["steering", "saliency", "mask", "overlay"]).flat());
    assert.deepEqual(all.outputs, ["steering", "saliency", "mask", "overlay"]);
    // Saliency timing (msg/Saliency.msg): this frame's own preprocessing and share of its batch's
    // run; visualbackprop_ms and total_ms end when the message is built, so total covers the rest.
    const saliency = messages
      .filter((m) => m.topic.endsWith("/saliency"))
      .map((m) => createSerializer(bag).decode<SaliencyMsg>("visualbackprop/msg/Saliency", m.data));
    for (const s of saliency) {
      assert.ok(s.preprocess_ms > 0 && s.inference_ms > 0 && s.visualbackprop_ms >= 0, JSON.stringify(s));
      assert.ok(s.total_ms >= s.visualbackprop_ms, "total from arrival includes the time since the engine");
    }

    const some = await run({
      input: inputDir,
      output: path.join(tmp.dir, "some"),
      outputs: ["saliency", "steering"],
      compression: "lz4",
    });
    assert.deepEqual(some.outputs, ["steering", "saliency"]);
    const written = await readBag(path.join(tmp.dir, "some"));
    // MCAP names each chunk's compression in the chunk record.
    const file = fs.readFileSync(written.bag.files[0]);
    assert.ok(file.includes("lz4") && !file.includes("zstd"), "lz4 chunks");
    const outputTopics = written.bag.topics.filter((t) => t.name.startsWith("/visualbackprop/"));
    assert.deepEqual(outputTopics.map((t) => t.name).sort(), [
      `/visualbackprop/${CAMERA.split("/")[2]}/saliency`,
      `/visualbackprop/${CAMERA.split("/")[2]}/steering`,
    ]);
    assert.equal(some.outputMessages, input.messages.length + 2 * 4);
  });

  it("reads an input the caller opened (the CLI opens and plans a bag once) and leaves it open", async () => {
    const input = await testMessages({ frames: 3 });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    const reader = await openBag(inputDir);
    let closed = 0;
    const close = reader.close.bind(reader);
    reader.close = async () => {
      closed += 1;
      await close();
    };
    try {
      const result = await run({ input: inputDir, reader, output: path.join(tmp.dir, "out") });
      assert.equal(result.stats.processed, 3);
      assert.equal(closed, 0, "the caller's reader is the caller's to close");
    } finally {
      await reader.close();
    }
  });

  it("skips undecodable frames with their reason and reports the run as partial", async () => {
    const input = await testMessages({ frames: 6, badFrames: [2, 4] });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    const result = await run({ input: inputDir, output: path.join(tmp.dir, "out") });
    assert.equal(result.status, "partial");
    assert.equal(result.stats.processed, 4);
    assert.deepEqual([...result.stats.skipReasons], [["truncated", 2]]);
    const { messages } = await readBag(path.join(tmp.dir, "out"));
    assert.equal(messages.filter((m) => m.topic === CAMERA).length, 6, "bad frames are still copied");
    assert.equal(messages.filter((m) => m.topic === "/visualbackprop/front/mask").length, 4);
  });

  it("skips a frame whose prediction or mask comes out NaN, counted as bad, and says once about a frame shape", async () => {
    const input = await testMessages({ frames: 6, width: 64, height: 16 });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    const real = await testModel();
    let calls = 0;
    const engine: SaliencyEngine = {
      provider: real.engine.provider,
      method: real.engine.method,
      inputShape: real.engine.inputShape,
      release: async () => undefined,
      run: async (tensor, batch, options) => {
        const result = await real.engine.run(tensor, batch, options);
        if (calls++ === 0) result.outputs[real.outputName].data[1] = NaN;
        else result.masks[0] = Infinity;
        return result;
      },
    };
    const model = { ...real, engine, frame: { width: 640, height: 480 } };
    const result = await processBag({
      input: inputDir,
      output: path.join(tmp.dir, "out"),
      model,
      colorMap: "jet",
      opacity: 0.5,
      geometry: { wheelbaseM: 2.85, steeringRatio: 15 },
      batch: 4,
    });
    assert.equal(result.status, "partial");
    assert.deepEqual([...result.stats.skipReasons], [["non-finite", 2]]);
    assert.equal(result.stats.processed, 4);
    const { messages } = await readBag(path.join(tmp.dir, "out"));
    assert.equal(messages.filter((m) => m.topic === CAMERA).length, 6, "the input frames are still copied");
    assert.equal(messages.filter((m) => m.topic === "/visualbackprop/front/steering").length, 4);
    const aspect = result.notes.filter((n) => n.includes("aspect ratio"));
    assert.equal(aspect.length, 1, "one note per run");
    assert.match(aspect[0], /camera front: a \d+x\d+ frame has aspect ratio .* made for 640x480/);
  });

  it("processes every readable message of a truncated bag and counts what was lost", async () => {
    const input = await testMessages({ frames: 12 });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input, { compression: "none", chunkSize: 30000 });
    const file = path.join(inputDir, "in_0.mcap");
    const cut = path.join(tmp.dir, "cut.mcap");
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, Math.floor(fs.statSync(file).size * 0.6)));
    const result = await run({ input: cut, output: path.join(tmp.dir, "out") });
    assert.equal(result.status, "partial");
    assert.ok(result.problems.some((p) => p.kind === "truncated"));
    assert.ok(result.stats.processed > 0 && result.stats.processed < 12, String(result.stats.processed));
    const { messages } = await readBag(path.join(tmp.dir, "out"));
    const frames = messages.filter((m) => m.topic === CAMERA).length;
    assert.equal(frames, result.stats.processed);
    assert.equal(messages.filter((m) => m.topic === "/visualbackprop/front/saliency").length, frames);
  });

  it("stops on abort, finishes the frames read, and leaves a finalised bag", async () => {
    const input = await testMessages({ frames: 20 });
    const inputDir = path.join(tmp.dir, "in");
    await writeMcapBag(inputDir, input);
    const controller = new AbortController();
    const result = await run({
      input: inputDir,
      output: path.join(tmp.dir, "out"),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.frames >= 8) controller.abort("SIGINT");
      },
    });
    assert.equal(result.status, "interrupted");
    assert.equal(result.interruptedBy, "SIGINT");
    assert.ok(result.stats.processed >= 8 && result.stats.processed < 20, String(result.stats.processed));
    const { bag, messages } = await readBag(path.join(tmp.dir, "out"));
    assert.deepEqual(bag.problems, []);
    assert.ok(fs.existsSync(path.join(tmp.dir, "out", "metadata.yaml")));
    for (const kind of OUTPUTS)
      assert.equal(
        messages.filter((m) => m.topic === `/visualbackprop/front/${kind}`).length,
        result.stats.processed,
      );
  });

  it("does not copy input topics it writes itself (a bag processed twice)", async () => {
    const input = await testMessages({ frames: 3 });
    const first = path.join(tmp.dir, "in");
    await writeMcapBag(first, input);
    await run({ input: first, output: path.join(tmp.dir, "once") });
    const result = await run({ input: path.join(tmp.dir, "once"), output: path.join(tmp.dir, "twice") });
    assert.match(result.notes.join("\n"), /\/visualbackprop\/front\/mask/);
    const { messages } = await readBag(path.join(tmp.dir, "twice"));
    assert.equal(messages.filter((m) => m.topic === "/visualbackprop/front/mask").length, 3);
  });

  describe("refuses clearly", () => {
    const cases: [string, (dir: string) => Promise<[string, Partial<ProcessBagOptions>]>, RegExp][] = [
      [
        "a file that is not a bag",
        async (dir) => {
          fs.writeFileSync(path.join(dir, "x.mcap"), "hello, not a bag");
          return [path.join(dir, "x.mcap"), {}];
        },
        /not a bag/,
      ],
      [
        "an unknown storage",
        async (dir) => {
          await writeMcapBag(path.join(dir, "in"), await testMessages({ frames: 1 }));
          const meta = path.join(dir, "in", "metadata.yaml");
          fs.writeFileSync(
            meta,
            fs
              .readFileSync(meta, "utf8")
              .replace("storage_identifier: mcap", "storage_identifier: rosbag_v2"),
          );
          return [path.join(dir, "in"), {}];
        },
        /unknown storage "rosbag_v2"/,
      ],
      [
        "a bag without image topics",
        async (dir) => {
          const bag = await testMessages({ frames: 2 });
          await writeMcapBag(path.join(dir, "in"), {
            messages: bag.messages.filter((m) => m.topic !== CAMERA),
            topics: bag.topics.filter((t) => t.name !== CAMERA),
          });
          return [path.join(dir, "in"), {}];
        },
        /no image topics.*\/vehicle\/steering \(std_msgs\/msg\/Float32\)/,
      ],
      [
        "--topics naming a topic that is not an image",
        async (dir) => {
          await writeMcapBag(path.join(dir, "in"), await testMessages({ frames: 1 }));
          return [path.join(dir, "in"), { topics: [STEERING] }];
        },
        /"\/vehicle\/steering" is std_msgs\/msg\/Float32, not sensor_msgs\/msg\/Image/,
      ],
      [
        "--topics naming no topic of the bag",
        async (dir) => {
          await writeMcapBag(path.join(dir, "in"), await testMessages({ frames: 1 }));
          return [path.join(dir, "in"), { topics: ["/cameras/rear/image_raw"] }];
        },
        /no topic "\/cameras\/rear\/image_raw"/,
      ],
      [
        "a steering topic of an unknown message type",
        async (dir) => {
          writeSqliteBag(path.join(dir, "in"), await testMessages({ frames: 1 }));
          return [path.join(dir, "in"), { steeringTopic: CUSTOM }];
        },
        /unknown message type "acme_msgs\/msg\/Status"/,
      ],
    ];
    for (const [what, make, expected] of cases) {
      it(what, async () => {
        const [input, extra] = await make(tmp.dir);
        await assert.rejects(run({ input, output: path.join(tmp.dir, "out"), ...extra }), expected);
        assert.ok(!fs.existsSync(path.join(tmp.dir, "out")), "nothing written");
      });
    }

    it("an existing output (without force), the input as output, an output inside the input", async () => {
      const inputDir = path.join(tmp.dir, "in");
      await writeMcapBag(inputDir, await testMessages({ frames: 1 }));
      fs.mkdirSync(path.join(tmp.dir, "out"));
      await assert.rejects(run({ input: inputDir, output: path.join(tmp.dir, "out") }), /already exists/);
      await assert.rejects(run({ input: inputDir, output: inputDir, force: true }), /is the input bag/);
      await assert.rejects(
        run({ input: inputDir, output: path.join(inputDir, "sub"), force: true }),
        /is the input bag .* or inside it/,
      );
      const result = await run({ input: inputDir, output: path.join(tmp.dir, "out"), force: true });
      assert.equal(result.status, "complete");
    });
  });
});
