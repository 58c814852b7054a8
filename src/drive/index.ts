/** The synthetic drive: frame source, training views, dataset export, held-out seeds and scoring. */
export { SyntheticDrive, CURVATURE_WINDOW, MIN_FRAME_WIDTH, MIN_FRAME_HEIGHT } from "./drive";
export type { DriveOptions, DriveFrame, FrameTruth } from "./drive";
export { trainingView, returnCurvature, returnLookahead, randomOffset, RETURN_TIME_S } from "./augment";
export type { ViewOffset, TrainingView } from "./augment";
export { exportDataset, LABEL_COLUMNS } from "./export";
export type { ExportOptions, ExportSummary } from "./export";
export { accuracy, CURVATURE_TOLERANCE } from "./accuracy";
export type { AccuracyFigures } from "./accuracy";
export { evaluateModel, readModelCard } from "./evaluate";
export type { Evaluation, EvaluateOptions, ModelCard } from "./evaluate";
export { HELD_OUT_SEEDS, TRAINING_SEEDS, TEST_SEED, FIRST_EVALUATION_SEED, isTrainingSeed } from "./seeds";
export { PILOTNET_INPUT, PILOTNET_FRAME } from "./model-input";
export { seedState, type DriveSeed } from "./random";
export type { ViewPose } from "./render";
