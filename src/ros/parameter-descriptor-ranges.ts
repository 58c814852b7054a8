/**
 * rclnodejs 2.2.0's ParameterDescriptor.toMessage leaves the range out of the message (it looks
 * for a field the descriptor does not have), so `ros2 param describe` showed no range at all,
 * though rclnodejs enforces it. This wraps toMessage to add the range, in the message's shape
 * (`from_value`, `to_value`, `step`).
 */

interface RangeLike {
  readonly fromValue: number | bigint;
  readonly toValue: number | bigint;
  readonly step: number | bigint;
}

interface DescriptorMessage {
  floating_point_range?: unknown[];
  integer_range?: unknown[];
}

interface DescriptorPrototypeLike {
  toMessage?: () => DescriptorMessage;
  readonly type?: number;
  readonly range?: RangeLike | null;
  __visualbackpropRanges?: boolean;
}

function asRangeMessage(range: unknown): unknown {
  if (typeof range !== "object" || range === null || !("fromValue" in range)) return range;
  const { fromValue, toValue, step } = range as RangeLike;
  return { from_value: fromValue, to_value: toValue, step };
}

/** Wraps `descriptorClass.prototype.toMessage` (once); leaves a class without it as it is. */
export function describeRangesInMessageShape(descriptorClass: { prototype: unknown }): void {
  const prototype = descriptorClass.prototype as DescriptorPrototypeLike;
  const original = prototype.toMessage;
  if (typeof original !== "function" || prototype.__visualbackpropRanges === true) return;
  prototype.toMessage = function (this: DescriptorPrototypeLike): DescriptorMessage {
    const message = original.call(this);
    const range = this.range;
    const empty = (ranges: unknown[] | undefined): boolean => ranges === undefined || ranges.length === 0;
    if (
      range !== undefined &&
      range !== null &&
      empty(message.floating_point_range) &&
      empty(message.integer_range)
    ) {
      // rcl_interfaces ParameterType: 2 integer, 3 double, 7 integer array, 8 double array.
      if (this.type === 2 || this.type === 7) message.integer_range = [asRangeMessage(range)];
      if (this.type === 3 || this.type === 8) message.floating_point_range = [asRangeMessage(range)];
    }
    if (Array.isArray(message.floating_point_range))
      message.floating_point_range = message.floating_point_range.map(asRangeMessage);
    if (Array.isArray(message.integer_range))
      message.integer_range = message.integer_range.map(asRangeMessage);
    return message;
  };
  prototype.__visualbackpropRanges = true;
}
