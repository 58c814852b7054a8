/**
 * An RViz 2 configuration for the cameras a node serves: per camera an Image display for the
 * camera, the overlay and the mask, each subscribing with the QoS that matches its topic (a best
 * effort camera needs a best effort subscription; RViz's default, reliable, would see nothing).
 */
import { stringify } from "yaml";
import type { QosSettings } from "../ros/qos";
import type { CameraView } from "./view-topics";

/** How the node subscribes to cameras and publishes outputs (its QoS parameters). */
export interface ViewQos {
  readonly input: QosSettings;
  readonly output: QosSettings;
}

/** What one Image display shows: its title, its topic and how it subscribes. */
export interface ImageDisplaySpec {
  readonly title: string;
  readonly topic: string;
  readonly qos: QosSettings;
}

/** The Image displays of a camera, in panel order: camera, overlay, mask. */
export function imageDisplays(views: readonly CameraView[], qos: ViewQos): ImageDisplaySpec[] {
  return views.flatMap((view) => [
    { title: `${view.name} image`, topic: view.camera, qos: qos.input },
    { title: `${view.name} overlay`, topic: view.overlay, qos: qos.output },
    { title: `${view.name} mask`, topic: view.mask, qos: qos.output },
  ]);
}

function imageDisplay(spec: ImageDisplaySpec): Record<string, unknown> {
  return {
    Class: "rviz_default_plugins/Image",
    Enabled: true,
    "Max Value": 1,
    "Median window": 5,
    "Min Value": 0,
    Name: spec.title,
    "Normalize Range": false,
    Topic: {
      Depth: spec.qos.depth,
      "Durability Policy": "Volatile",
      "History Policy": "Keep Last",
      "Reliability Policy": spec.qos.reliability === "reliable" ? "Reliable" : "Best Effort",
      // A topic ending in /compressed: RViz picks the compressed image_transport from the name.
      Value: spec.topic,
    },
    Value: true,
  };
}

/** The configuration document, as RViz 2 writes it when saving (`-d FILE` loads it). */
export function rvizConfig(views: readonly CameraView[], qos: ViewQos): Record<string, unknown> {
  const displays = imageDisplays(views, qos);
  return {
    Panels: [
      {
        Class: "rviz_common/Displays",
        "Help Height": 78,
        Name: "Displays",
        "Property Tree Widget": { Expanded: null, "Splitter Ratio": 0.5 },
        "Tree Height": 400,
      },
    ],
    "Visualization Manager": {
      Class: "",
      Displays: displays.map(imageDisplay),
      Enabled: true,
      "Global Options": {
        "Background Color": "48; 48; 48",
        "Fixed Frame": "camera_optical",
        "Frame Rate": 30,
      },
      Name: "root",
      Tools: [{ Class: "rviz_default_plugins/Interact", "Hide Inactive Objects": true }],
      Transformation: { Current: { Class: "rviz_default_plugins/TF" } },
      Value: true,
      Views: {
        Current: {
          Class: "rviz_default_plugins/Orbit",
          Distance: 10,
          Name: "Current View",
          "Target Frame": "<Fixed Frame>",
          Value: "Orbit (rviz)",
        },
        Saved: null,
      },
    },
    "Window Geometry": {
      ...Object.fromEntries(displays.map((d) => [d.title, { collapsed: false }])),
      Displays: { collapsed: false },
      Height: 720 + 240 * Math.max(0, views.length - 1),
      "Hide Left Dock": false,
      "Hide Right Dock": true,
      Width: 1920,
      X: 0,
      Y: 0,
    },
  };
}

/** The configuration as the text of a `.rviz` file, with a comment saying what it shows. */
export function rvizConfigText(views: readonly CameraView[], qos: ViewQos): string {
  const cameras = views.map((v) => `${v.name} (${v.camera})`).join(", ");
  const header = [
    "# RViz 2 layout of visualbackprop, generated from the node's camera naming rule:",
    `# per camera the image, the VisualBackProp overlay and the mask. Cameras: ${cameras}.`,
  ];
  return `${header.join("\n")}\n${stringify(rvizConfig(views, qos), { lineWidth: 0 })}`;
}
