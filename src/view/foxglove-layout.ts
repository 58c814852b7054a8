/**
 * A Foxglove layout for bags with the node's outputs (`visualbackprop bag`, or `ros2 bag record`
 * of the live node): per camera the image and the overlay side by side with the mask, and one
 * plot of the predicted steering against the recorded one. Topics come from the node's naming
 * rule (via CameraView), so the layout matches the bag it is written beside.
 */
import type { CameraView } from "./view-topics";

/** The file `visualbackprop bag` writes into its output bag directory. */
export const FOXGLOVE_LAYOUT_FILE = "foxglove-layout.json";

/** Which SteeringCommand field the plot shows; the recorded value is of the same quantity. */
export type SteeringQuantity = "curvature" | "steering_wheel_angle";

export interface LayoutOptions {
  /** The recorded steering: its topic and numeric field (`data` for std_msgs/Float32). */
  readonly recorded?: { readonly topic: string; readonly field: string };
  /** Default curvature. */
  readonly quantity?: SteeringQuantity;
}

/** A mosaic node of Foxglove's layout: a panel id, or two nodes split in a direction. */
export type LayoutNode =
  | string
  | {
      readonly first: LayoutNode;
      readonly second: LayoutNode;
      readonly direction: "row" | "column";
      readonly splitPercentage?: number;
    };

export interface FoxgloveLayout {
  readonly configById: Record<string, Record<string, unknown>>;
  readonly globalVariables: Record<string, unknown>;
  readonly userNodes: Record<string, unknown>;
  readonly linkedGlobalVariables: unknown[];
  readonly playbackConfig: { readonly speed: number };
  readonly layout: LayoutNode;
}

/** Lays `nodes` out one after another in `direction`, each getting an equal share. */
function split(nodes: readonly LayoutNode[], direction: "row" | "column"): LayoutNode {
  if (nodes.length === 1) return nodes[0];
  const [first, ...rest] = nodes;
  const share = Math.round(1000 / nodes.length) / 10;
  return { first, second: split(rest, direction), direction, splitPercentage: share };
}

function imagePanel(title: string, topic: string): Record<string, unknown> {
  return { foxglovePanelTitle: title, imageMode: { imageTopic: topic } };
}

/** The layout for `views`; panel ids are `Image!<camera>_image` ..., `Plot!steering`. */
export function foxgloveLayout(views: readonly CameraView[], options: LayoutOptions = {}): FoxgloveLayout {
  const quantity = options.quantity ?? "curvature";
  const configById: Record<string, Record<string, unknown>> = {};
  const rows: LayoutNode[] = [];
  for (const view of views) {
    const ids = {
      image: `Image!${view.name}_image`,
      overlay: `Image!${view.name}_overlay`,
      mask: `Image!${view.name}_mask`,
    };
    configById[ids.image] = imagePanel(`${view.name} image`, view.camera);
    configById[ids.overlay] = imagePanel(`${view.name} overlay`, view.overlay);
    configById[ids.mask] = imagePanel(`${view.name} mask`, view.mask);
    const row = [ids.image, ids.overlay, ids.mask];
    if (view.compare !== undefined) {
      const compareOverlay = `Image!${view.name}_compare_overlay`;
      const diff = `Image!${view.name}_compare_diff`;
      configById[compareOverlay] = imagePanel(`${view.name} compared model's overlay`, view.compare.overlay);
      configById[diff] = imagePanel(
        `${view.name} difference (main magenta, compared green)`,
        view.compare.diff,
      );
      // The diff shows both masks: it takes the mask's place, so a row stays four panels wide.
      delete configById[ids.mask];
      row.splice(2, 1, compareOverlay, diff);
    }
    rows.push(split(row, "row"));
  }
  // Log time (receiveTime) for both: the bag tool logs each output at its camera message's log
  // time, and a recorded std_msgs/Float32 has no header.
  const paths = views.map((view) => ({
    value: `${view.steering}.${quantity}`,
    enabled: true,
    timestampMethod: "receiveTime",
    label: `predicted ${quantity} (${view.name})`,
  }));
  for (const view of views)
    if (view.compare !== undefined)
      paths.push({
        value: `${view.compare.steering}.${quantity}`,
        enabled: true,
        timestampMethod: "receiveTime",
        label: `compared model's ${quantity} (${view.name})`,
      });
  if (options.recorded !== undefined) {
    paths.push({
      value: `${options.recorded.topic}.${options.recorded.field}`,
      enabled: true,
      timestampMethod: "receiveTime",
      label: `recorded ${quantity} (${options.recorded.topic})`,
    });
  }
  configById["Plot!steering"] = {
    foxglovePanelTitle: `steering: predicted${options.recorded ? " and recorded" : ""} ${quantity}`,
    paths,
    showXAxisLabels: true,
    showYAxisLabels: true,
    showLegend: true,
    legendDisplay: "floating",
    showPlotValuesInLegend: false,
    isSynced: true,
    xAxisVal: "timestamp",
  };
  const cameras = split(rows, "column");
  return {
    configById,
    globalVariables: {},
    userNodes: {},
    linkedGlobalVariables: [],
    playbackConfig: { speed: 1 },
    layout: { first: cameras, second: "Plot!steering", direction: "column", splitPercentage: 75 },
  };
}

/** The layout as the text of a `.json` file. */
export function foxgloveLayoutText(views: readonly CameraView[], options: LayoutOptions = {}): string {
  return `${JSON.stringify(foxgloveLayout(views, options), null, 2)}\n`;
}
