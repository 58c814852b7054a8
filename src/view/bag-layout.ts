/**
 * The Foxglove layout of one `visualbackprop bag` run, written into the output bag directory
 * (rosbag2 and Foxglove ignore files that metadata.yaml does not list).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { CameraPlan } from "../offline/camera-topics";
import type { RecordedSteering } from "../offline/recorded-steering";
import { FOXGLOVE_LAYOUT_FILE, foxgloveLayoutText, type LayoutOptions } from "./foxglove-layout";
import type { CameraView } from "./view-topics";

/** A camera of a bag run as a viewer sees it. */
export function planView(camera: CameraPlan, compared = false): CameraView {
  return {
    name: camera.name,
    camera: camera.topic,
    mask: camera.outputs.mask,
    overlay: camera.outputs.overlay,
    steering: camera.outputs.steering,
    compare: compared
      ? { overlay: camera.compare.overlay, diff: camera.compare.diff, steering: camera.compare.steering }
      : undefined,
  };
}

/** What the plot compares: the recorded topic's field and the prediction of the same quantity. */
export function recordedPlot(recorded: RecordedSteering | undefined): LayoutOptions {
  if (recorded === undefined) return {};
  // std_msgs Float32/Float64 hold curvature in `data`; other types name the field after the quantity.
  const field = recorded.type.startsWith("std_msgs/msg/Float") ? "data" : recorded.quantity;
  return { recorded: { topic: recorded.topic, field }, quantity: recorded.quantity };
}

/** Writes `<output>/foxglove-layout.json` for the run's cameras; returns its path. */
export function writeBagLayout(run: {
  readonly output: string;
  readonly cameras: readonly CameraPlan[];
  readonly recorded?: RecordedSteering;
  /** With `--compare`: the compared model's overlay, the diff image and its steering too. */
  readonly comparison?: unknown;
}): string {
  const file = path.join(run.output, FOXGLOVE_LAYOUT_FILE);
  const views = run.cameras.map((camera) => planView(camera, run.comparison !== undefined));
  fs.writeFileSync(file, foxgloveLayoutText(views, recordedPlot(run.recorded)));
  return file;
}

/** An HTML paragraph for the report: how to look at the output bag in Foxglove. */
export function foxgloveHowToHtml(output: string, escape: (text: string) => string): string {
  const layout = path.join(output, FOXGLOVE_LAYOUT_FILE);
  return `<h2>Open in Foxglove</h2>
<p>Open the <code>.mcap</code> file in <code>${escape(output)}</code> in Foxglove (File &rarr; Open local file), then
Layouts &rarr; Import from file&hellip; <code>${escape(layout)}</code>: each camera with its overlay and mask,
and the predicted steering plotted against the recorded one.</p>`;
}
