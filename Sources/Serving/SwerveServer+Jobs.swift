import Jobs
import Logging

extension SwerveServer {
    /// Builds the job queue the options ask for (nil: jobs disabled).
    static func makeJobQueue(_ options: JobQueueOptions?, logger: Logger) -> (any JobQueue)? {
        options?.makeQueue(logger: logger)
    }

    /// Starts the queue's in-process workers on the dispatcher's predict path.
    func startJobWorkers() {
        guard let jobQueue, let jobs = options.jobs else { return }
        let count = jobs.workerCount
        jobQueue.startWorkers(count: count, runner: JobQueueService.runner(dispatcher: dispatcher))
        logger.info("job queue: \(jobQueue.description), \(count) in-process workers")
    }

    /// The job queue's counts, for `swerve worker --metrics-port`; nil when jobs are off.
    public func jobStatistics() -> JobStatistics? {
        jobQueue?.statistics()
    }

    /// Drains the job queue (bounded by `--drain-seconds`), logs what was
    /// left and returns it; nil when jobs are off. `shutdown` does it too;
    /// call it first to see what the drain left (e.g. jobs still running).
    /// Drains once: later calls wait for that drain and return its report.
    @discardableResult
    public func stopJobs() -> JobDrainReport? {
        guard let jobQueue, let jobs = options.jobs else { return nil }
        return jobDrain.withLock { drained in
            if let drained { return drained }
            let report = jobQueue.shutdown(drain: jobs.drain)
            if report.leftQueued > 0 || report.leftRunning > 0 {
                logger.warning("job queue stopped: \(report)")
            } else {
                logger.info("job queue stopped: \(report)")
            }
            drained = report
            return report
        }
    }
}
