/**
 * The message definitions the package reads and writes, as `.msg` text. ROS 2 types are shipped
 * here so bags can be processed on machines without ROS 2; the package's own types are read from
 * the package's `msg/` folder so that folder stays the one source of truth.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** ROS 2 definitions (comments trimmed; the fields are those of Humble and Jazzy). */
export const ROS_MSG_TEXT: Readonly<Record<string, string>> = {
  "builtin_interfaces/msg/Time": [
    "# This message communicates ROS Time defined here:",
    "# https://design.ros2.org/articles/clock_and_time.html",
    "",
    "# The seconds component, valid over all int32 values.",
    "int32 sec",
    "",
    "# The nanoseconds component, valid in the range [0, 10e9).",
    "uint32 nanosec",
    "",
  ].join("\n"),
  "std_msgs/msg/Header": [
    "# Standard metadata for higher-level stamped data types.",
    "# This is generally used to communicate timestamped data",
    "# in a particular coordinate frame.",
    "",
    "# Two-integer timestamp that is expressed as seconds and nanoseconds.",
    "builtin_interfaces/Time stamp",
    "",
    "# Transform frame with which this data is associated.",
    "string frame_id",
    "",
  ].join("\n"),
  "sensor_msgs/msg/Image": [
    "# This message contains an uncompressed image",
    "# (0, 0) is at top-left corner of image",
    "",
    "std_msgs/Header header # Header timestamp should be acquisition time of image",
    "",
    "uint32 height                # image height, that is, number of rows",
    "uint32 width                 # image width, that is, number of columns",
    "",
    "string encoding       # Encoding of pixels -- channel meaning, ordering, size",
    "",
    "uint8 is_bigendian    # is this data bigendian?",
    "uint32 step           # Full row length in bytes",
    "uint8[] data          # actual matrix data, size is (step * rows)",
    "",
  ].join("\n"),
  "sensor_msgs/msg/CompressedImage": [
    "# This message contains a compressed image.",
    "",
    "std_msgs/Header header # Header timestamp should be acquisition time of image",
    "",
    "string format                # Specifies the format of the data",
    "                             #   Acceptable values: jpeg, png, tiff",
    "",
    "uint8[] data                 # Compressed image buffer",
    "",
  ].join("\n"),
  "std_msgs/msg/Float32": [
    "# This was originally provided as an example message.",
    "# It is deprecated as of Foxy",
    "# It is recommended to create your own semantically meaningful message.",
    "# However if you would like to continue using this please use the equivalent in example_msgs.",
    "",
    "float32 data",
    "",
  ].join("\n"),
};

/** The package's own message files, by type name, and the file each one is in. */
export const PACKAGE_MSG_FILES: Readonly<Record<string, string>> = {
  "visualbackprop/msg/SteeringCommand": "SteeringCommand.msg",
  "visualbackprop/msg/Saliency": "Saliency.msg",
  "visualbackprop/msg/LayerMask": "LayerMask.msg",
  "visualbackprop/msg/SaliencyComparison": "SaliencyComparison.msg",
};

/**
 * Finds the package's `msg/` folder. The compiled file lives in `dist/src/bag/`, the source in
 * `src/bag/`; both are tried so tools that run the TypeScript directly work too.
 */
export function packageMsgDir(): string {
  const candidates = [path.resolve(__dirname, "../../../msg"), path.resolve(__dirname, "../../msg")];
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, "SteeringCommand.msg"))) return dir;
  }
  throw new Error(
    `visualbackprop message definitions: expected msg/SteeringCommand.msg in ${candidates.join(" or ")}`,
  );
}

let packageTexts: Readonly<Record<string, string>> | undefined;

/** The package's own `.msg` texts, read once. */
export function packageMsgText(): Readonly<Record<string, string>> {
  if (!packageTexts) {
    const dir = packageMsgDir();
    const out: Record<string, string> = {};
    for (const [type, file] of Object.entries(PACKAGE_MSG_FILES)) {
      out[type] = fs.readFileSync(path.join(dir, file), "utf8");
    }
    packageTexts = out;
  }
  return packageTexts;
}
