/**
 * Spatial geometry of the operations between feature maps, and the sizes of their transposed
 * (ones-filter) counterparts that VisualBackProp uses to scale masks back up.
 */

/** Height then width. */
export type Size2 = readonly [number, number];

export type SpatialOpType = "Conv" | "MaxPool" | "AveragePool" | "Pad";

/** One operation that changes the spatial size or alignment between two feature maps. */
export interface SpatialOp {
  /** Name of the ONNX node, for error messages. */
  readonly node: string;
  readonly opType: SpatialOpType;
  readonly kernel: Size2;
  readonly strides: Size2;
  readonly dilations: Size2;
  /** Explicit padding: top, left, bottom, right (auto_pad already resolved). */
  readonly pads: readonly [number, number, number, number];
  readonly inputSize: Size2;
  readonly outputSize: Size2;
}

/** Output length of a convolution or pooling along one axis (ONNX's formula, floor or ceil mode). */
export function convOutputLength(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
  padBegin: number,
  padEnd: number,
  ceilMode = false,
): number {
  const span = dilation * (kernel - 1) + 1;
  const numerator = input + padBegin + padEnd - span;
  return (ceilMode ? Math.ceil(numerator / stride) : Math.floor(numerator / stride)) + 1;
}

/** Resolves ONNX `auto_pad` into explicit begin and end padding along one axis. */
export function autoPadding(
  autoPad: string,
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
): [number, number] {
  if (autoPad === "VALID") return [0, 0];
  const output = Math.ceil(input / stride);
  const total = Math.max(0, (output - 1) * stride + dilation * (kernel - 1) + 1 - input);
  const small = Math.floor(total / 2);
  // SAME_UPPER puts the odd extra pixel at the end, SAME_LOWER at the beginning.
  return autoPad === "SAME_LOWER" ? [total - small, small] : [small, total - small];
}

/** Size a ones-filter transposed convolution produces from `op.outputSize` before any adjustment. */
export function transposedLength(op: SpatialOp, axis: 0 | 1): number {
  const padBegin = op.pads[axis];
  const padEnd = op.pads[axis + 2];
  return (
    (op.outputSize[axis] - 1) * op.strides[axis] +
    op.dilations[axis] * (op.kernel[axis] - 1) +
    1 -
    padBegin -
    padEnd
  );
}

/**
 * Rows (and columns) to add at the bottom (and right) so the transposed convolution returns exactly
 * the operation's input size; negative when it overshoots (pooling in ceil mode) and must be cropped.
 */
export function sizeAdjustment(op: SpatialOp): Size2 {
  return [op.inputSize[0] - transposedLength(op, 0), op.inputSize[1] - transposedLength(op, 1)];
}
