/**
 * synthetic_camera: publishes the synthetic drive (src/drive) as a camera, sensor_msgs/Image rgb8
 * on `image_raw` plus the ground-truth road curvature (std_msgs/Float32) on `curvature`, at a
 * chosen rate and size, like image_tools' cam2image, so anyone can try visualbackprop_node
 * without a car and compare its steering with the truth.
 */
import { SyntheticDrive } from "../drive/drive";
import { HELD_OUT_SEEDS } from "../drive/seeds";
import { MessageTypes } from "../frame/message-types";
import { declareParameters } from "./parameter-declaration";
import type { ParameterDefinition } from "./parameter-definition";
import { buildRgb8Image } from "../frame/messages";
import { createQos } from "./qos";
import type { RclApi, RosNode, RosPublisher, RosTimer } from "./ros-api";

export interface SyntheticCameraSettings {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly rateHz: number;
  readonly speedMps: number;
  readonly frameId: string;
}

const readOnly = true;

/** The camera's parameters, all read-only, declared like visualbackprop_node's. */
export const SYNTHETIC_CAMERA_PARAMETERS: readonly ParameterDefinition[] = [
  {
    name: "seed",
    kind: "integer",
    defaultValue: HELD_OUT_SEEDS[0],
    description: "Drive seed (the default is a drive the model never saw)",
    readOnly,
    range: { from: 0, to: 2 ** 31 - 1 },
  },
  {
    name: "width",
    kind: "integer",
    defaultValue: 640,
    description: "Image width, pixels",
    readOnly,
    range: { from: 64, to: 8192 },
  },
  {
    name: "height",
    kind: "integer",
    defaultValue: 480,
    description: "Image height, pixels",
    readOnly,
    range: { from: 48, to: 8192 },
  },
  {
    name: "rate_hz",
    kind: "double",
    defaultValue: 30.0,
    description: "Frames per second",
    readOnly,
    range: { from: 0.1, to: 1000 },
  },
  {
    name: "speed_mps",
    kind: "double",
    defaultValue: 15.0,
    description: "Car speed, m/s",
    readOnly,
    range: { from: 0.1, to: 60 },
  },
  {
    name: "frame_id",
    kind: "string",
    defaultValue: "camera_optical",
    description: "header.frame_id of the images",
    readOnly,
  },
];

/** Declares the camera's parameters and reads them. */
export function declareSyntheticCameraParameters(rcl: RclApi, node: RosNode): SyntheticCameraSettings {
  const values = declareParameters(rcl, node, SYNTHETIC_CAMERA_PARAMETERS);
  return {
    seed: values.get("seed") as number,
    width: values.get("width") as number,
    height: values.get("height") as number,
    rateHz: values.get("rate_hz") as number,
    speedMps: values.get("speed_mps") as number,
    frameId: values.get("frame_id") as string,
  };
}

export class SyntheticCamera {
  readonly #node: RosNode;
  readonly #drive: SyntheticDrive;
  readonly #settings: SyntheticCameraSettings;
  readonly #image: RosPublisher;
  readonly #curvature: RosPublisher;
  #timer: RosTimer | undefined;
  #index = 0;

  private constructor(rcl: RclApi, node: RosNode, settings: SyntheticCameraSettings) {
    this.#node = node;
    this.#settings = settings;
    this.#drive = new SyntheticDrive({
      seed: settings.seed,
      width: settings.width,
      height: settings.height,
      rateHz: settings.rateHz,
      speed: settings.speedMps,
    });
    // Reliable, so RViz's default subscription shows the camera; best-effort subscribers match too.
    const qos = createQos(rcl, { reliability: "reliable", depth: 2 });
    this.#image = node.createPublisher(MessageTypes.image, "image_raw", { qos });
    this.#curvature = node.createPublisher(MessageTypes.float32, "curvature", { qos });
  }

  /** Declares parameters, creates the publishers and starts publishing on a timer at `rate_hz`. */
  static start(rcl: RclApi, node: RosNode): SyntheticCamera {
    const camera = new SyntheticCamera(rcl, node, declareSyntheticCameraParameters(rcl, node));
    const periodNs = BigInt(Math.round(1e9 / camera.#settings.rateHz));
    camera.#timer = node.createTimer(periodNs, () => camera.publishNext());
    const { width, height, rateHz, seed } = camera.#settings;
    node
      .getLogger()
      .info(`synthetic drive ${seed}: ${width}x${height} rgb8 at ${rateHz} Hz on ${camera.#image.topic}`);
    return camera;
  }

  /** Frames published so far. */
  get published(): number {
    return this.#index;
  }

  /** Renders and publishes the next frame and its curvature, both stamped with the node's clock. */
  publishNext(): void {
    const frame = this.#drive.frame(this.#index);
    this.#index += 1;
    const header = { stamp: this.#node.now().toMsg(), frame_id: this.#settings.frameId };
    this.#image.publish(buildRgb8Image(header, frame.image));
    this.#curvature.publish({ data: frame.truth.curvature });
  }

  stop(): void {
    if (this.#timer !== undefined) this.#node.destroyTimer(this.#timer);
    this.#timer = undefined;
    this.#node.destroyPublisher(this.#image);
    this.#node.destroyPublisher(this.#curvature);
  }
}
