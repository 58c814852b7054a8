/**
 * Run-time parameter changes (`ros2 param set`): vetoed with a reason when a value does not fit
 * (wrong type, out of range, not a choice, read-only), applied after rclnodejs has stored them, and
 * published as a stream of runtime settings the pipeline reads at every frame.
 */
import { BehaviorSubject, type Observable } from "rxjs";
import {
  findParameterDefinition,
  type ParameterValue,
  readParameterValue,
  type RuntimeSettings,
  settingsFromValues,
} from "./parameters";
import type { RclApi, RosLogger, RosNode, RosParameter, SetParametersResult } from "./ros-api";

export class RuntimeParameters {
  readonly #rcl: RclApi;
  readonly #node: RosNode;
  readonly #logger: RosLogger;
  readonly #values: Map<string, ParameterValue>;
  readonly #settings: BehaviorSubject<RuntimeSettings>;
  readonly #validate = (parameters: RosParameter[]): SetParametersResult => this.#check(parameters);
  readonly #apply = (parameters: RosParameter[]): void => this.#store(parameters);
  #attached = false;

  /** `values` are the declared values; they are copied, never changed. */
  constructor(rcl: RclApi, node: RosNode, values: ReadonlyMap<string, ParameterValue>) {
    this.#rcl = rcl;
    this.#node = node;
    this.#logger = node.getLogger();
    this.#values = new Map(values);
    this.#settings = new BehaviorSubject(settingsFromValues(this.#values).runtime);
  }

  /** The current runtime settings. */
  get current(): RuntimeSettings {
    return this.#settings.value;
  }

  /** Emits the current settings, then every change. */
  get changes(): Observable<RuntimeSettings> {
    return this.#settings.asObservable();
  }

  /** Starts listening to parameter changes; call after the parameters are declared. */
  attach(): void {
    if (this.#attached) return;
    this.#node.addOnSetParametersCallback(this.#validate);
    this.#node.addPostSetParametersCallback(this.#apply);
    this.#attached = true;
  }

  detach(): void {
    if (!this.#attached) return;
    this.#node.removeOnSetParametersCallback(this.#validate);
    this.#node.removePostSetParametersCallback(this.#apply);
    this.#attached = false;
    this.#settings.complete();
  }

  #check(parameters: RosParameter[]): SetParametersResult {
    for (const parameter of parameters) {
      const definition = findParameterDefinition(parameter.name);
      if (definition === undefined) continue; // use_sim_time, qos overrides: not ours to judge
      if (definition.readOnly) {
        return { successful: false, reason: `${parameter.name} is read-only; restart the node to change it` };
      }
      const read = readParameterValue(this.#rcl, definition, parameter);
      if ("reason" in read) return { successful: false, reason: read.reason };
    }
    return { successful: true, reason: "" };
  }

  #store(parameters: RosParameter[]): void {
    const changed: string[] = [];
    for (const parameter of parameters) {
      const definition = findParameterDefinition(parameter.name);
      if (definition === undefined || definition.readOnly) continue;
      const read = readParameterValue(this.#rcl, definition, parameter);
      if ("reason" in read) continue;
      this.#values.set(parameter.name, read.value);
      changed.push(`${parameter.name}=${String(read.value)}`);
    }
    if (changed.length === 0) return;
    this.#settings.next(settingsFromValues(this.#values).runtime);
    this.#logger.info(`parameters changed: ${changed.join(", ")}`);
  }
}
