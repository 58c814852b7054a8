/**
 * Offline processing of rosbag2 recordings (`visualbackprop bag`): the pipeline, its progress,
 * summary and report, and the synthetic-drive recording the demo and the bench use.
 */
export {
  processBag,
  type BagRunResult,
  type ProcessBagOptions,
  type ProcessedFrame,
  type Progress,
  type RunStatus,
} from "./bag-processor";
export { ZSTD_FAST_LEVEL } from "./output-setup";
export { planCameras, OUTPUT_TYPES, type CameraPlan, type OutputKind } from "./camera-topics";
export { defaultFrameThreads, defaultWriterThread } from "./frame-pool";
export { ProgressReporter, progressText, formatDuration } from "./progress";
export { ReportCollector, prepareReportDir, renderReport, type ReportOptions } from "./report";
export { RecordedSteering, meanAbsoluteDifference, type RecordedQuantity } from "./recorded-steering";
export { RunStats, seriesStats, type Stage } from "./run-stats";
export { summaryLines, statusLine, throughput } from "./summary";
export {
  writeSyntheticDriveBag,
  SYNTHETIC_CAMERA_TOPIC,
  SYNTHETIC_CURVATURE_TOPIC,
  type SyntheticBagOptions,
} from "./synthetic-bag";
export {
  SYNTHETIC_DRIVE_RECORD,
  driveFrameIndex,
  findSyntheticDriveRecord,
  syntheticDriveMetadata,
  type SyntheticDriveRecord,
} from "./synthetic-drive-record";
export {
  LaneFocusComparison,
  laneFocusForBag,
  laneFocusSentence,
  type FocusFigures,
  type LaneFocusFigures,
} from "./lane-focus";
