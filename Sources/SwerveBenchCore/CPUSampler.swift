#if canImport(Glibc)
import Glibc
#endif

/// CPU time of this process and, optionally, of a server process and each of
/// its threads (by name, from Linux `/proc`), so a report can say who was
/// busy: a server whose loop threads are near 100% is saturated; a bench
/// with CPU to spare is not the bottleneck. A server started with
/// scripts/malloc-counter.so preloaded (scripts/profile.sh) also shows how
/// many heap allocations it made.
struct CPUSampler {
    struct Sample {
        var wallNanoseconds: UInt64
        /// This process, user + system seconds.
        var benchSeconds: Double
        /// The server process, user + system seconds (all threads, live or exited).
        var serverSeconds: Double?
        /// The server's live threads, by name (same-named threads summed).
        var serverThreads: [String: Double]
        /// Whole machine from `/proc/stat`: (busy, total) clock ticks over all CPUs.
        var machineTicks: (busy: Double, total: Double)?
        /// The server's heap allocations so far, when it runs with the malloc counter preloaded.
        var serverAllocations: UInt64?
    }

    let serverPID: Int32?
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    init(serverPID: Int32?) {
        self.serverPID = serverPID
    }

    func sample(at wallNanoseconds: UInt64) -> Sample {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let bench = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        var server: Double?
        var threads: [String: Double] = [:]
        var allocations: UInt64?
        if let pid = serverPID {
            allocations = allocationCount(of: pid)
            server = readStat("/proc/\(pid)/stat")?.seconds
            if let dir = opendir("/proc/\(pid)/task") {
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                    }
                    guard name.first?.isNumber == true,
                          let stat = readStat("/proc/\(pid)/task/\(name)/stat") else { continue }
                    threads[stat.name, default: 0] += stat.seconds
                }
                closedir(dir)
            }
        }
        return Sample(wallNanoseconds: wallNanoseconds, benchSeconds: bench, serverSeconds: server, serverThreads: threads,
                      machineTicks: machineTicks(), serverAllocations: allocations)
    }

    /// The counter scripts/malloc-counter.c keeps for process `pid`: one
    /// 64-bit count in /dev/shm/swerve-mallocs.<pid>; nil when it is not preloaded.
    private func allocationCount(of pid: Int32) -> UInt64? {
        let fd = open("/dev/shm/swerve-mallocs.\(pid)", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var count: UInt64 = 0
        let read = withUnsafeMutableBytes(of: &count) { pread(fd, $0.baseAddress, $0.count, 0) }
        return read == MemoryLayout<UInt64>.size ? count : nil
    }

    /// The first line of `/proc/stat`: "cpu user nice system idle iowait irq softirq steal …".
    private func machineTicks() -> (busy: Double, total: Double)? {
        guard let file = fopen("/proc/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let fields = String(cString: buffer).split(separator: " ").dropFirst().compactMap { Double($0.trimmingSpaces) }
        guard fields.count >= 5 else { return nil }
        // Guest time is already inside user time.
        let total = fields.prefix(8).reduce(0, +)
        let idle = fields[3] + fields[4]
        return (total - idle, total)
    }

    /// `(comm, utime + stime in seconds)` from a `/proc/.../stat` file.
    private func readStat(_ path: String) -> (name: String, seconds: Double)? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(cString: buffer)
        // The name is in parentheses and may itself hold spaces or ')'.
        guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")") else { return nil }
        let name = String(line[line.index(after: open)..<close])
        let fields = line[line.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) and stime (15) are 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (name, (user + system) / ticksPerSecond)
    }
}

/// CPU use over a run, in cores (1.0 = one core busy the whole time).
public struct CPUUsage: Sendable, Equatable {
    public var benchCores: Double
    public var serverCores: Double?
    /// Per server thread name, cores.
    public var serverThreads: [String: Double]
    /// Cores busy on the whole machine (everyone's processes, interrupts and
    /// softirqs: loopback TCP is partly charged there, not to any process).
    public var machineBusyCores: Double?
    /// Share of the machine's CPU time that was idle, 0...1.
    public var machineIdleFraction: Double?
    /// Heap allocations the server made over the run (malloc counter preloaded).
    public var serverAllocations: UInt64?

    init(from start: CPUSampler.Sample, to end: CPUSampler.Sample) {
        let wall = max(1e-9, Double(end.wallNanoseconds &- start.wallNanoseconds) / 1e9)
        benchCores = (end.benchSeconds - start.benchSeconds) / wall
        if let a = start.serverSeconds, let b = end.serverSeconds { serverCores = (b - a) / wall }
        var threads: [String: Double] = [:]
        for (name, seconds) in end.serverThreads {
            threads[name] = max(0, seconds - (start.serverThreads[name] ?? 0)) / wall
        }
        serverThreads = threads
        if let a = start.serverAllocations, let b = end.serverAllocations, b >= a { serverAllocations = b - a }
        if let a = start.machineTicks, let b = end.machineTicks, b.total > a.total {
            let ticks = sysconf(Int32(_SC_CLK_TCK))
            machineBusyCores = (b.busy - a.busy) / Double(ticks) / wall
            machineIdleFraction = 1 - (b.busy - a.busy) / (b.total - a.total)
        }
    }
}
