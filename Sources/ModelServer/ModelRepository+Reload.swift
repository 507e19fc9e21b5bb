import Logging

extension ModelRepository {
    /// One synchronous scan-and-apply pass: the source reads the directory
    /// and changed config.json files, the manager applies config changes and
    /// retires removed versions, the loader loads and warms up new or changed
    /// versions (on the calling thread), and the manager switches to them and
    /// retires what the policy excludes. The poller calls this every
    /// `pollInterval`; calls are serialised. A no-op after `stop()`.
    public func reload() {
        reloadLock.withLock { context in pass(&context) }
    }

    /// One pass; the caller holds the reload lock.
    func pass(_ context: inout ReloadContext) {
        guard !manager.isStopped else { return }
        var snapshot: SourceSnapshot
        do {
            snapshot = try source.poll(knownConfigStamps: manager.configStamps())
        } catch {
            // Keep serving what is loaded: an unreadable root is more
            // likely a transient problem than a request to unload everything.
            report(problems: ["cannot scan model repository: \(error)"], ignored: [], context: &context)
            return
        }
        report(problems: snapshot.scan.problems, ignored: snapshot.scan.ignored, context: &context)
        snapshot.held = heldModels(onDisk: snapshot.scan.models.keys, context)

        // Newest first, so a model's newest version serves as soon as possible.
        for job in manager.aspire(snapshot) {
            manager.loaded(job, loader.load(job))
        }
        manager.settle(snapshot)
    }

    // MARK: Reporting

    private func report(problems: [String], ignored: [String], context: inout ReloadContext) {
        // Each problem is logged when it appears, not on every poll; once it
        // is gone it is forgotten, so a recurrence is logged again.
        for problem in problems where !context.reportedProblems.contains(problem) {
            logger.error("\(problem)", metadata: ["root": "\(root)"])
        }
        context.reportedProblems = Set(problems)
        for note in ignored where !context.reportedIgnored.contains(note) {
            logger.debug("\(note)")
        }
        context.reportedIgnored = Set(ignored)
    }
}
