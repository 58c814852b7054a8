/**
 * synthetic_camera: publishes the synthetic drive (src/drive) as a camera, sensor_msgs/Image rgb8
 * on `image_raw` plus the ground-truth road curvature (std_msgs/Float32) on `curvature`, at a
 * chosen rate and size, like image_tools' cam2image, so anyone can try visualbackprop_node
 * without a car and compare its steering with the truth.
 */
import { SyntheticDrive } from "../drive/drive.js";
import { HELD_OUT_SEEDS } from "../drive/seeds.js";
import { MessageTypes } from "./message-types.js";
import { buildRgb8Image } from "./messages.js";
import { createQos } from "./qos.js";
import type { RclApi, RosNode, RosPublisher, RosTimer } from "./ros-api.js";

export interface SyntheticCameraSettings {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly rateHz: number;
  readonly speedMps: number;
  readonly frameId: string;
}

function integerParameter(
  rcl: RclApi,
  node: RosNode,
  name: string,
  value: number,
  description: string,
  from: number,
  to: number,
): number {
  const declared = node.declareParameter(
    new rcl.Parameter(name, rcl.ParameterType.PARAMETER_INTEGER, BigInt(value)),
    new rcl.ParameterDescriptor(
      name,
      rcl.ParameterType.PARAMETER_INTEGER,
      description,
      true,
      new rcl.IntegerRange(BigInt(from), BigInt(to), 1n),
    ),
  );
  const raw = declared.value;
  if (typeof raw !== "bigint" && typeof raw !== "number")
    throw new Error(`parameter ${name} must be an integer`);
  return Number(raw);
}

function doubleParameter(
  rcl: RclApi,
  node: RosNode,
  name: string,
  value: number,
  description: string,
  from: number,
  to: number,
): number {
  const declared = node.declareParameter(
    new rcl.Parameter(name, rcl.ParameterType.PARAMETER_DOUBLE, value),
    new rcl.ParameterDescriptor(
      name,
      rcl.ParameterType.PARAMETER_DOUBLE,
      description,
      true,
      new rcl.FloatingPointRange(from, to, 0),
    ),
  );
  const raw = declared.value;
  if (typeof raw !== "number") throw new Error(`parameter ${name} must be a double (write 30.0, not 30)`);
  return raw;
}

function stringParameter(
  rcl: RclApi,
  node: RosNode,
  name: string,
  value: string,
  description: string,
): string {
  const declared = node.declareParameter(
    new rcl.Parameter(name, rcl.ParameterType.PARAMETER_STRING, value),
    new rcl.ParameterDescriptor(name, rcl.ParameterType.PARAMETER_STRING, description, true),
  );
  const raw = declared.value;
  if (typeof raw !== "string") throw new Error(`parameter ${name} must be a string`);
  return raw;
}

/** Declares the camera's parameters (all read-only) and reads them. */
export function declareSyntheticCameraParameters(rcl: RclApi, node: RosNode): SyntheticCameraSettings {
  return {
    seed: integerParameter(
      rcl,
      node,
      "seed",
      HELD_OUT_SEEDS[0],
      "Drive seed (the default is a drive the model never saw)",
      0,
      2 ** 31 - 1,
    ),
    width: integerParameter(rcl, node, "width", 640, "Image width, pixels", 64, 8192),
    height: integerParameter(rcl, node, "height", 480, "Image height, pixels", 48, 8192),
    rateHz: doubleParameter(rcl, node, "rate_hz", 30.0, "Frames per second", 0.1, 1000),
    speedMps: doubleParameter(rcl, node, "speed_mps", 15.0, "Car speed, m/s", 0.1, 60),
    frameId: stringParameter(rcl, node, "frame_id", "camera_optical", "header.frame_id of the images"),
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
