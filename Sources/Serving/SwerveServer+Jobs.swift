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

    /// Drains the job queue (bounded by `--drain-seconds`) and logs what was left.
    func stopJobs() {
        guard let jobQueue, let jobs = options.jobs else { return }
        let report = jobQueue.shutdown(drain: jobs.drain)
        if report.leftQueued > 0 || report.leftRunning > 0 {
            logger.warning("job queue stopped: \(report)")
        } else {
            logger.info("job queue stopped: \(report)")
        }
    }
}
