import * as fs from "node:fs";
import { DEFAULT_VIEW_PARAMETERS } from "../view/node-params";
import { cameraViews } from "../view/view-topics";
import { foxgloveLayoutText, type SteeringQuantity } from "../view/foxglove-layout";
import { parseCommandLine } from "./options";
import { UsageError } from "./usage-error";

export const FOXGLOVE_LAYOUT_USAGE = `usage: visualbackprop foxglove-layout [options]

Writes a Foxglove layout for a bag holding the node's outputs (\`ros2 bag record\` of the live
node): per camera the image, the overlay and the mask, and a plot of the predicted steering
against the recorded one. \`visualbackprop bag\` writes one for its cameras into its output bag.
Camera names follow the node's rule (camera_names, or the topic's last namespace segment).

options:
  --topics T,...         camera topics as the node's image_topics (default /camera/image_raw)
  --names N,...          camera_names, one per topic (default: from the topics)
  --namespace NS         the node's namespace (default: none)
  --steering-topic T     recorded steering to plot beside the prediction
  --steering-field F     its numeric field (default data: std_msgs/msg/Float32 curvature)
  --quantity Q           curvature or steering_wheel_angle (default curvature)
  -o, --output FILE      where to write it (default: standard output)
`;

function list(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** \`visualbackprop foxglove-layout\`: see FOXGLOVE_LAYOUT_USAGE. */
export function runFoxgloveLayout(argv: readonly string[], stdout: (line: string) => void): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    options: {
      topics: { type: "string" },
      names: { type: "string" },
      namespace: { type: "string", default: "" },
      "steering-topic": { type: "string" },
      "steering-field": { type: "string", default: "data" },
      quantity: { type: "string", default: "curvature" },
      output: { type: "string", short: "o" },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const quantity = values.quantity;
  if (quantity !== "curvature" && quantity !== "steering_wheel_angle")
    throw new UsageError(`--quantity: expected curvature or steering_wheel_angle, got '${quantity}'`);
  const topics = list(values.topics);
  const views = cameraViews({
    topics: topics.length > 0 ? topics : DEFAULT_VIEW_PARAMETERS.imageTopics,
    names: list(values.names),
    namespace: values.namespace,
  });
  const steering = values["steering-topic"];
  const text = foxgloveLayoutText(views, {
    quantity: quantity as SteeringQuantity,
    recorded: steering !== undefined ? { topic: steering, field: values["steering-field"] } : undefined,
  });
  if (values.output === undefined || values.output === "-") process.stdout.write(text);
  else {
    fs.writeFileSync(values.output, text);
    stdout(`foxglove layout: ${values.output}`);
  }
  return Promise.resolve(0);
}
